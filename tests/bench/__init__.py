"""The routing benchmark (issue 3): ``python -m tests.bench`` or ``make bench``.

Not collected by pytest (``norecursedirs``). Needs the benchmark-only packages
``huggingface_hub`` and ``openai`` next to the test dependencies. Modules:
``emulator_process`` (the emulator in a child process), ``clients`` (the contenders),
``scenarios`` (what is measured), ``report`` (tables, targets, JSON).
"""
