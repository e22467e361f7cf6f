"""The Label Studio bridge: a Label Studio project as the labelling front end of a Rounds project.

Nothing here imports `label_studio_sdk` at module level; `client.py` imports it on first use so the
web process never pays for it.
"""
