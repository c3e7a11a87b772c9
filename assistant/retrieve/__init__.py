"""Question (and chat history) -> ranked passages with "why this source" evidence."""
