"""Training: the loop and its stopping rules, optimisers, clipping, models with a loss, the tasks,
the experiments of Part V.

The teaching API is flat: ``import lstm`` gives every public name.
"""
