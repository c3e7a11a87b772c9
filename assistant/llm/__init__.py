"""Language models for generative answers: model files, chat backends and prompt templates.

Optional: nothing here is imported unless ``Settings.answerer`` names an LLM answerer, so the
extractive default needs neither llama-cpp-python nor an OpenAI-compatible client.
"""
