"""The rows of one activity: the entry, its links to standards and schools, its evidence.

The columns every reader and writer of an activity names, in one place.
"""

from __future__ import annotations

#: The columns of an activity a person gives (besides its uuid, supervisor and timestamps).
ACTIVITY_FIELDS = ("date", "kind", "mode", "title", "findings", "suggestions", "participants", "teachers")
#: The columns of a piece of evidence (besides its uuid, its activity and when it was added).
EVIDENCE_FIELDS = ("kind", "sha256", "original_name", "media_type", "size", "url", "caption")
