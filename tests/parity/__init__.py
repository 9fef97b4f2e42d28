"""
The hostile parity suite's machinery: a schema set, hostile values, a seeded
request generator, and the replay that compares two engines' answers.

``tests/test_parity_hostile.py`` drives it; see its docstring for what is
compared and how to run it with another seed.
"""
