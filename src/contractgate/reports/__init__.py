"""Renderers: findings in, text/JSON/Markdown/HTML/JUnit out. Nothing here decides a verdict."""
