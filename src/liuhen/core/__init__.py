"""The legal core: pure Python, no Django, no database, no web library."""
