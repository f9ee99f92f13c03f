"""Offline vulnerability data and exact version ordering."""
