"""Output formats. Each is registered through ``careengine_renderers`` by a plugin."""
