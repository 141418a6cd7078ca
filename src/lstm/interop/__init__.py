"""Parameters to and from other frameworks, one module per framework, none of them imported.

The teaching API is flat: ``import lstm`` gives every public name.
"""
