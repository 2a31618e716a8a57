"""The desktop recorder: input, window context and screenshots into DuckDB, privately.

Start with `recorder.session.Recorder` (the loop) or ``taskmine record``; see README.md
in this folder. Importing this package does nothing: the desktop is only touched when a
recording starts.
"""
