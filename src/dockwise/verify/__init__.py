"""`dockwise verify`: build and run an image on a real engine and measure what only running shows."""
