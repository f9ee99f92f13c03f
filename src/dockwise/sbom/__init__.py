"""Packages found in an image: the software bill of materials."""
