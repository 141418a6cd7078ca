"""What verifies the book: gradient checks, SymPy twins, the cell harness, gradient flow, the
course's grader, the audit of the sources.

The teaching API is flat: ``import lstm`` gives every public name.
"""
