"""The HTTP API beside the chat: REST routes (``/v1/ask``, ``/v1/documents``, ``/v1/ingest``,
``/v1/info``, ``/healthz``) and an OpenAI-compatible endpoint (``/v1/chat/completions``,
``/v1/models``), all over the public ``Assistant``.

``assistant serve`` composes it with the Gradio UI on one port:

    from assistant.http.app import ApiConfig, build_api
    api = build_api(assistant, ApiConfig.of(assistant.settings, keys=ApiKeys.of(["..."])))

This package's own ``__init__`` imports nothing, so that ``assistant.http.keys`` (which the
``api-key`` command uses) does not load FastAPI.
"""
