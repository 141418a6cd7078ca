"""The recurrent cells: the :class:`~lstm.cells.base.Cell` base, the loop through time, one module
per cell, the LSTM's fast path and checkpointing, stacks.

The teaching API is flat: ``import lstm`` gives every public name.
"""
