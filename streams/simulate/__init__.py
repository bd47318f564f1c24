"""`pulse simulate`: realistic traffic of a reader-funded news site for the input topics.

Import from the modules (`world`, `generate`, `run`): re-exporting `generate` and `run`
here would shadow the modules of the same names.
"""
