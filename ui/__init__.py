"""The browser UI: a Gradio chat with cited, highlighted sources and document management.

Usage::

    from assistant import Assistant
    from ui.app import build_app, launch
    launch(build_app(Assistant.open()), host="127.0.0.1", port=7860)
"""

import os

# Set before gradio is first imported anywhere in the process: gradio reads it at import and launch,
# and this UI must not phone home (usage analytics, version checks).
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
