"""Language models: Kneser–Ney n-grams and the character-level LSTM.

The teaching API is flat: ``import lstm`` gives every public name.
"""
