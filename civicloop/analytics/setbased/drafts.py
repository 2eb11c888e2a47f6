# SPDX-License-Identifier: MPL-2.0
"""Drafts: the first started or step_saved event starts one, each step counts once, a later submission submits it."""

from django.conf import settings

from civicloop.analytics import store
from civicloop.analytics.setbased.events import SUBMITTED
from civicloop.analytics.setbased.shapes import APPLICATION_SUBJECT, KEY, TEXT, catalog_parameters, names
from civicloop.core.events import TYPE_PREFIX

DRAFT_TYPES = ("application.started", "application.step_saved", "application.submitted")
# Besides the subject (`application/<uuid>`, checked apart).
_DRAFT_SHAPE = {
    "application.started": (TEXT.format(f="procedure"),),
    "application.step_saved": (TEXT.format(f="procedure"), TEXT.format(f="step")),
    "application.submitted": SUBMITTED.shape,
}


def count_drafts() -> int | None:
    """Drafts, their steps and their submission, set-based; how many started and step_saved events it took.

    The submissions themselves are counted by `count_events(with_submissions=True)` then. None,
    having counted nothing, when some event of the drafts has an odd shape: then the handlers
    count them all (and the submissions), as they would have counted them live.
    """
    types = names(DRAFT_TYPES)
    shape = " ".join(f"WHEN '{TYPE_PREFIX}{k}' THEN {' AND '.join(s)}" for k, s in _DRAFT_SHAPE.items())
    submitted, step_saved = f"'{TYPE_PREFIX}application.submitted'", f"'{TYPE_PREFIX}application.step_saved'"
    cursor = store.pg_cursor()
    # Window functions that only number rows (a running count over 850,000 applications took
    # longer than the scan and the sorts together): the first started or step_saved event of an
    # application starts its draft; it was submitted if its last submission came after that
    # (row comparison: time, then id, the handlers' order); a step counts at its first save.
    # Grouped by the subject itself (sorting as "C" text, not by the database's collation), whose
    # shape is then tested once per application.
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE analytics_rebuild_draft ON COMMIT DROP AS
        WITH saved AS (
            SELECT subject COLLATE "C" AS subject, time, id, type = {submitted} AS is_submission,
                   COALESCE(data->>'procedure', '') AS procedure, classification,
                   CASE WHEN type = {step_saved} THEN left(COALESCE(data->>'step', ''), 60) ELSE '' END
                       COLLATE "C" AS step,
                   COALESCE(CASE type {shape} END, false) AS plain
            FROM core_event WHERE type IN ({types})
        ), marked AS (
            SELECT saved.*, NOT is_submission AND row_number() OVER by_kind = 1 AS starts,
                   is_submission AND lead(true) OVER by_kind IS NULL AS last_submission,
                   row_number() OVER (PARTITION BY subject, step ORDER BY time, id) AS nth_of_step
            FROM saved
            WINDOW by_kind AS (PARTITION BY subject, is_submission ORDER BY time, id)
        )
        SELECT subject, bool_and(plain) AND {APPLICATION_SUBJECT} AS plain,
               min(procedure) FILTER (WHERE starts) AS procedure,
               min(classification) FILTER (WHERE starts) AS classification,
               min(time) FILTER (WHERE starts) AS started,
               COALESCE(array_agg(step ORDER BY time, id) FILTER (WHERE nth_of_step = 1 AND step <> ''), '{{}}')
                   AS steps,
               COALESCE(
                   ROW(min(time) FILTER (WHERE last_submission), (array_agg(id) FILTER (WHERE last_submission))[1])
                   > ROW(min(time) FILTER (WHERE starts), (array_agg(id) FILTER (WHERE starts))[1]),
                   false
               ) AS submitted,
               count(*) FILTER (WHERE NOT is_submission) AS events
        FROM marked GROUP BY subject
        """  # noqa: S608 - constant SQL
    )
    cursor.execute("SELECT bool_and(plain), COALESCE(sum(events), 0) FROM analytics_rebuild_draft")
    row = cursor.fetchone()
    if row is None or row[0] is False:
        cursor.execute("DROP TABLE analytics_rebuild_draft")
        return None
    _write_drafts()
    cursor.execute("DROP TABLE analytics_rebuild_draft")
    return int(row[1])


def _write_drafts() -> None:
    """DraftFact rows and the funnel's counts (draft_started, step_reached, draft_submitted)."""
    cursor = store.pg_cursor()
    cursor.execute(
        """
        CREATE TEMPORARY TABLE analytics_rebuild_funnel ON COMMIT DROP AS
        SELECT substr(subject, 13)::uuid AS application, draft.procedure, COALESCE(catalog.department, '') AS department,
               classification,
               date_trunc('month', started AT TIME ZONE %(tz)s)::date AS month, steps, submitted
        FROM analytics_rebuild_draft AS draft
        LEFT JOIN unnest(%(codes)s::text[], %(departments)s::text[]) AS catalog (code, department)
            ON catalog.code = draft.procedure
        WHERE started IS NOT NULL
        """,
        {"tz": settings.TIME_ZONE, **catalog_parameters()},
    )
    # The rebuild emptied the table and nothing else writes drafts in it: no conflict to resolve.
    cursor.execute(
        f"INSERT INTO {store.DRAFT_FACTS.name} (application_id, procedure, department, classification, month, "  # noqa: S608
        "steps, submitted) SELECT application, procedure, department, classification, month, "
        "array_to_string(steps, ' '), submitted FROM analytics_rebuild_funnel"
    )
    group = "month, department, procedure, classification"
    cursor.execute(
        f"INSERT INTO {store.MONTHLY.name} ({KEY}, count) "  # noqa: S608 - constant names
        f"SELECT 'draft_started', {group}, '', count(*) FROM analytics_rebuild_funnel GROUP BY {group} UNION ALL "
        f"SELECT 'draft_submitted', {group}, '', count(*) FROM analytics_rebuild_funnel WHERE submitted "
        f"GROUP BY {group} UNION ALL "
        f"SELECT 'step_reached', {group}, step, count(*) FROM analytics_rebuild_funnel, unnest(steps) AS step "
        f"GROUP BY {group}, step "
        f"ON CONFLICT ({KEY}) DO UPDATE SET {store.MONTHLY.on_conflict.format(t=store.MONTHLY.name)}"
    )
    cursor.execute("DROP TABLE analytics_rebuild_funnel")
