"""A tiny web app for trying dockwise."""
