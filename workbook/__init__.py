"""The workbook's machinery: everything around the mailer app that is not the app.

Starting ``redis-server``, ``rq worker`` and web processes, the notebooks' ``Workbench``,
exercise checks, measurements, the live monitor and the pytest plugin live here. This package
imports :mod:`mailer_app`; the app never imports this package (a test enforces it).
"""

from pathlib import Path

#: The folder holding notebooks/, exercises/, solutions/ and tests/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
