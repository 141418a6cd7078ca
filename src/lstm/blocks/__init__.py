"""The building blocks every cell shares: activations and their derivatives, the gate layout, the
output layer and loss, dropout.

The teaching API is flat: ``import lstm`` gives every public name.
"""
