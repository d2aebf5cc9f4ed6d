"""Jupyter Server settings for the formgrader service (install beside it: ~/.jupyter of the grading account).

JupyterHub 4.1 and later send ``frame-ancestors 'none'``-style headers that stop JupyterLab
showing the formgrader in its frame (nbgrader #1870): allow frames from the same origin.
"""

c = get_config()  # noqa: F821

c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
