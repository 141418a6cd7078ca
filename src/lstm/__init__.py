"""lstm: the NumPy package of *The LSTM, derived and verified*.

Every function here is shown, derived and checked in the book.  The SymPy
helpers live in :mod:`lstm.symbolic` (imported on demand, since SymPy is
slow to import and the numeric code does not need it).
"""
from importlib import metadata as _metadata

from . import experiments, grader, harness, models, optim, tasks
from . import train as training
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
from .cell import CellCache, cell_backward, cell_forward, cell_step, cell_step_backward, init_params
from .cells import LSTM, Cell, SequenceRun, sequence_backward, sequence_forward
from .clip import clip_grad_norm, clip_grad_value, total_norm
from .datasets import data_path
from .dropout import dropout_backward, dropout_forward, dropout_mask
from .gradcheck import gradcheck, numerical_gradient, relative_error
from .gru import GRU, gru_cell_backward, gru_cell_forward, init_gru_params
from .interop import from_keras, from_pytorch, from_tensorflow1, to_keras, to_pytorch, to_tensorflow1
from .interop_rnn import gru_from_pytorch, gru_to_pytorch, rnn_from_pytorch, rnn_to_pytorch
from .interop_stack import stack_from_pytorch, stack_to_pytorch
from .layernorm import (
    LayerNormBa,
    LayerNormTF,
    init_layer_norm_ba_params,
    init_layer_norm_params,
    layer_norm_ba_cell_backward,
    layer_norm_ba_cell_forward,
    layer_norm_backward,
    layer_norm_cell_backward,
    layer_norm_cell_forward,
    layer_norm_forward,
)
from .layers import StackRun, init_stack, join_stack, split_stack, stack_backward, stack_dims, stack_forward
from .layout import GATES, ORDERS, fold_bias, param_shapes, reorder_gates, split_gates, stack_weights
from .models import LastStepMSE, StepwiseCrossEntropy, init_model
from .optim import SGD, Adagrad, Adam, RMSprop
from .output import output_backward, output_forward, sequence_loss
from .peephole import Peephole, init_peephole_params, peephole_cell_backward, peephole_cell_forward
from .rnn import RNN, rnn_cell_backward, rnn_cell_forward
from .scalargate import (
    ScalarGate,
    init_scalar_gate_params,
    scalar_gate_cell_backward,
    scalar_gate_cell_forward,
)
from .sequence import SequenceCache, backward, forward
from .train import History, Patience, Target, plot_history, train
from .variants import VARIANTS, Variant, all_variants

try:  # the one version is pyproject.toml's, as installed (pip install -e . included)
    __version__ = _metadata.version("lstm-derived")
except _metadata.PackageNotFoundError:  # the source tree on sys.path, not installed
    __version__ = "0+unknown"

__all__ = [
    "dropout_mask",
    "dropout_forward",
    "dropout_backward",
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
    "grader",
    "harness",
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
    "cell_step",
    "cell_step_backward",
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
