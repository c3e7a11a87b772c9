"""The built-in prompt templates (``*.txt``), installed as ``assistant.prompts``; see assistant/llm/prompts.py.

A package rather than a bare folder so that an editable install can map it into ``assistant``.
"""
