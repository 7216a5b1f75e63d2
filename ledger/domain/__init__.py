"""The rules of the game, without I/O: the facts (events), the commands people give, the
fold that says what stored facts mean, the judge that decides what a command records,
and the rulebooks' model. Imports nothing outside itself but the standard library and
pydantic.
"""
