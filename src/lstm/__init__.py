"""lstm: the NumPy package of *The LSTM, derived and verified*.

Every function here is shown, derived and checked in the book.  The SymPy
helpers live in :mod:`lstm.checks.symbolic` (imported on demand, since SymPy is
slow to import and the numeric code does not need it).
"""
from importlib import metadata as _metadata

from .blocks.activations import (
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
from .blocks.dropout import dropout_backward, dropout_forward, dropout_mask
from .blocks.gates import GATES, ORDERS, fold_bias, param_shapes, reorder_gates, split_gates, stack_weights
from .blocks.loss import output_backward, output_forward, sequence_loss
from .cells.base import Cell
from .cells.gru import GRU, gru_step_backward, gru_step_forward, init_gru_params
from .cells.layernorm import (
    LayerNormBa,
    LayerNormTF,
    init_layer_norm_ba_params,
    init_layer_norm_tf_params,
    layer_norm_ba_step_backward,
    layer_norm_ba_step_forward,
    layer_norm_backward,
    layer_norm_forward,
    layer_norm_tf_step_backward,
    layer_norm_tf_step_forward,
)
from .cells.loop import SequenceRun, sequence_backward, sequence_forward
from .cells.lstm import (
    LSTM,
    LSTMCache,
    init_lstm_params,
    lstm_step_backward,
    lstm_step_core,
    lstm_step_core_backward,
    lstm_step_forward,
)
from .cells.lstm_fast import SequenceCache, lstm_backward, lstm_forward
from .cells.peephole import Peephole, init_peephole_params, peephole_step_backward, peephole_step_forward
from .cells.rnn import RNN, init_rnn_params, rnn_step_backward, rnn_step_forward
from .cells.scalargate import ScalarGate, init_scalar_gate_params, scalar_gate_step_backward, scalar_gate_step_forward
from .cells.stacks import StackRun, init_stack, join_stack, split_stack, stack_backward, stack_dims, stack_forward
from .cells.variants import VARIANTS, Variant, all_variants
from .checks.gradcheck import gradcheck, numerical_gradient, relative_error
from .datasets import data_path
from .interop.keras import from_keras, to_keras
from .interop.pytorch import (
    from_pytorch,
    gru_from_pytorch,
    gru_to_pytorch,
    rnn_from_pytorch,
    rnn_to_pytorch,
    to_pytorch,
)
from .interop.pytorch_stack import stack_from_pytorch, stack_to_pytorch
from .interop.tensorflow1 import from_tensorflow1, to_tensorflow1
from .training.clip import clip_grad_norm, clip_grad_value, total_norm
from .training.loop import History, Patience, Stop, Target, plot_history, train
from .training.models import LastStepMSE, StepwiseCrossEntropy, init_model
from .training.optim import SGD, Adagrad, Adam, RMSprop

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
    "total_norm",
    "History",
    "LastStepMSE",
    "Patience",
    "StepwiseCrossEntropy",
    "Stop",
    "Target",
    "init_model",
    "plot_history",
    "train",
    "Cell",
    "LSTM",
    "LayerNormBa",
    "LayerNormTF",
    "VARIANTS",
    "Variant",
    "all_variants",
    "init_layer_norm_ba_params",
    "layer_norm_ba_step_backward",
    "layer_norm_ba_step_forward",
    "Peephole",
    "RNN",
    "GRU",
    "gru_step_backward",
    "gru_step_forward",
    "gru_from_pytorch",
    "gru_to_pytorch",
    "init_gru_params",
    "rnn_from_pytorch",
    "rnn_to_pytorch",
    "ScalarGate",
    "SequenceRun",
    "init_rnn_params",
    "rnn_step_backward",
    "rnn_step_forward",
    "sequence_backward",
    "sequence_forward",
    "LSTMCache",
    "GATES",
    "SequenceCache",
    "ORDERS",
    "lstm_backward",
    "lstm_step_backward",
    "lstm_step_forward",
    "lstm_step_core",
    "lstm_step_core_backward",
    "fold_bias",
    "lstm_forward",
    "from_keras",
    "from_pytorch",
    "from_tensorflow1",
    "gradcheck",
    "init_layer_norm_tf_params",
    "init_peephole_params",
    "layer_norm_backward",
    "layer_norm_tf_step_backward",
    "layer_norm_tf_step_forward",
    "layer_norm_forward",
    "init_lstm_params",
    "log_softmax",
    "numerical_gradient",
    "output_backward",
    "output_forward",
    "param_shapes",
    "peephole_step_backward",
    "peephole_step_forward",
    "relative_error",
    "init_scalar_gate_params",
    "scalar_gate_step_backward",
    "scalar_gate_step_forward",
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
