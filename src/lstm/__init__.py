"""lstm: the NumPy package of *The LSTM, derived and verified*.

Every function here is shown, derived and checked in the book.  The SymPy
helpers live in :mod:`lstm.symbolic` (imported on demand, since SymPy is
slow to import and the numeric code does not need it).
"""
from .activations import (
    log_softmax,
    sigmoid,
    sigmoid_grad,
    sigmoid_grad_from_output,
    softmax,
    softmax_cross_entropy,
    softmax_jacobian,
    tanh,
    tanh_grad,
    tanh_grad_from_output,
)
from . import grader, harness
from .cells import LSTM, Cell, SequenceRun, sequence_backward, sequence_forward
from .rnn import RNN, rnn_cell_backward, rnn_cell_forward
from .gru import GRU, gru_cell_backward, gru_cell_forward, init_gru_params
from .interop_rnn import gru_from_pytorch, gru_to_pytorch, rnn_from_pytorch, rnn_to_pytorch
from .cell import CellCache, cell_backward, cell_forward, init_params
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .peephole import Peephole, init_peephole_params, peephole_cell_backward, peephole_cell_forward
from .sequence import SequenceCache, backward, forward
from .scalargate import (
    ScalarGate,
    init_scalar_gate_params,
    scalar_gate_cell_backward,
    scalar_gate_cell_forward,
)
from .output import output_backward, output_forward, sequence_loss
from .interop import from_keras, from_pytorch, from_tensorflow1, to_keras, to_pytorch, to_tensorflow1
from .layers import StackRun, init_stack, join_stack, split_stack, stack_backward, stack_dims, stack_forward
from .interop_stack import stack_from_pytorch, stack_to_pytorch
from .layernorm import (
    LayerNormBa,
    LayerNormTF,
    init_layer_norm_ba_params,
    layer_norm_ba_cell_backward,
    layer_norm_ba_cell_forward,
    init_layer_norm_params,
    layer_norm_backward,
    layer_norm_cell_backward,
    layer_norm_cell_forward,
    layer_norm_forward,
)
from .variants import VARIANTS, Variant, all_variants
from .layout import GATES, ORDERS, fold_bias, param_shapes, reorder_gates, split_gates, stack_weights
from . import optim
from .clip import clip_grad_norm, clip_grad_value, total_norm
from .optim import SGD, Adagrad, Adam, RMSprop
from . import experiments, models, tasks, train as training
from .models import LastStepMSE, StepwiseCrossEntropy, init_model
from .train import History, Patience, Target, plot_history, train
from .datasets import data_path

__version__ = "0.1.0"

__all__ = [
    "data_path",
    "StackRun",
    "init_stack",
    "join_stack",
    "split_stack",
    "stack_backward",
    "stack_dims",
    "stack_forward",
    "stack_from_pytorch",
    "stack_to_pytorch",
    "Adagrad",
    "Adam",
    "RMSprop",
    "SGD",
    "clip_grad_norm",
    "clip_grad_value",
    "optim",
    "total_norm",
    "History",
    "LastStepMSE",
    "Patience",
    "StepwiseCrossEntropy",
    "Target",
    "init_model",
    "experiments",
    "models",
    "tasks",
    "plot_history",
    "train",
    "training",
    "Cell",
    "LSTM",
    "LayerNormBa",
    "LayerNormTF",
    "VARIANTS",
    "Variant",
    "all_variants",
    "init_layer_norm_ba_params",
    "layer_norm_ba_cell_backward",
    "layer_norm_ba_cell_forward",
    "Peephole",
    "RNN",
    "GRU",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_from_pytorch",
    "gru_to_pytorch",
    "init_gru_params",
    "rnn_from_pytorch",
    "rnn_to_pytorch",
    "ScalarGate",
    "SequenceRun",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "sequence_backward",
    "sequence_forward",
    "CellCache",
    "GATES",
    "SequenceCache",
    "ORDERS",
    "backward",
    "cell_backward",
    "cell_forward",
    "fold_bias",
    "forward",
    "from_keras",
    "from_pytorch",
    "from_tensorflow1",
    "gradcheck",
    "init_layer_norm_params",
    "init_peephole_params",
    "layer_norm_backward",
    "layer_norm_cell_backward",
    "layer_norm_cell_forward",
    "layer_norm_forward",
    "init_params",
    "log_softmax",
    "numerical_gradient",
    "output_backward",
    "output_forward",
    "param_shapes",
    "peephole_cell_backward",
    "peephole_cell_forward",
    "relative_error",
    "init_scalar_gate_params",
    "scalar_gate_cell_backward",
    "scalar_gate_cell_forward",
    "reorder_gates",
    "sequence_loss",
    "sigmoid",
    "sigmoid_grad",
    "sigmoid_grad_from_output",
    "softmax",
    "softmax_cross_entropy",
    "softmax_jacobian",
    "split_gates",
    "stack_weights",
    "tanh",
    "tanh_grad",
    "tanh_grad_from_output",
    "to_keras",
    "to_pytorch",
    "to_tensorflow1",
]
