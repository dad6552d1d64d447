"""Follow-up tasks on a customer or an opportunity: create, complete, reopen, snooze, list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models.pipeline import Task
from db.models.tree import TierNode, in_subtree
from resolvers.common.errors import DomainError, ErrorCode, invalid, not_found
from resolvers.common.permissions import require
from resolvers.common.viewer import Viewer
from resolvers.customers.customers import customer_in_scope
from resolvers.pipeline.opportunities import opportunity_in_scope, staff_covering


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise invalid("a time needs an offset, e.g. 2026-05-01T09:00:00+02:00", field)
    return value


async def create_task(
    session: AsyncSession, viewer: Viewer, *, title: str, due_at: datetime,
    customer_id: int | None = None, opportunity_id: int | None = None,
    assignee_id: int | None = None,
) -> Task:
    require(viewer, "task.write")
    if opportunity_id is not None:
        opp = await opportunity_in_scope(session, viewer, opportunity_id, "opportunityId")
        if customer_id is not None and customer_id != opp.customer_id:
            raise invalid("the opportunity belongs to another customer", "customerId")
        customer_id = opp.customer_id
    elif customer_id is None:
        raise invalid("give customerId or opportunityId", "customerId")
    _, node = await customer_in_scope(session, viewer, customer_id, "customerId")
    title = title.strip()
    if not title or len(title) > 300:
        raise invalid("title must have 1 to 300 characters", "title")
    due_at = _aware(due_at, "dueAt")
    assignee = await staff_covering(session, viewer, assignee_id or viewer.staff_id, node, "assigneeId")
    task = Task(
        title=title, due_at=due_at, assignee_id=assignee.id, customer_id=customer_id,
        opportunity_id=opportunity_id, node_id=node.id, created_by_id=viewer.staff_id,
    )
    session.add(task)
    await session.flush()
    return task


async def task_in_scope(session: AsyncSession, viewer: Viewer, task_id: int) -> Task:
    row = (await session.execute(
        select(Task, TierNode.path).join(TierNode, TierNode.id == Task.node_id).where(Task.id == task_id)
    )).first()
    if row is None or not viewer.in_scope(row[1]):
        raise not_found("task")
    return row[0]


async def complete_task(session: AsyncSession, viewer: Viewer, *, task_id: int) -> Task:
    require(viewer, "task.write")
    task = await task_in_scope(session, viewer, task_id)
    if task.done_at is not None:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, "the task is already done", ("id",))
    task.done_at = utcnow()
    await session.flush()
    return task


async def reopen_task(session: AsyncSession, viewer: Viewer, *, task_id: int) -> Task:
    require(viewer, "task.write")
    task = await task_in_scope(session, viewer, task_id)
    if task.done_at is None:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, "the task is not done", ("id",))
    task.done_at = None
    await session.flush()
    return task


async def snooze_task(
    session: AsyncSession, viewer: Viewer, *, task_id: int, until: datetime,
) -> Task:
    """Move an open task's due time later; the reminder fires again at the new time."""
    require(viewer, "task.write")
    task = await task_in_scope(session, viewer, task_id)
    if task.done_at is not None:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, "the task is already done", ("id",))
    if _aware(until, "dueAt") <= utcnow():
        raise invalid("snooze until a time in the future", "dueAt")
    task.due_at = until
    await session.flush()
    return task


def tasks_statement(
    viewer: Viewer, *, assignee_id: int | None = None, due_before: datetime | None = None,
    done: bool | None = None,
) -> Select[Any]:
    """Tasks in the viewer's subtree, filtered; paginate by (due_at, id)."""
    # A subquery rather than a join, so that the count of the connection stays a plain count.
    subtree = select(TierNode.id).where(in_subtree(TierNode.path, viewer.scope_path))
    stmt = select(Task).where(Task.node_id.in_(subtree))
    if assignee_id is not None:
        stmt = stmt.where(Task.assignee_id == assignee_id)
    if due_before is not None:
        stmt = stmt.where(Task.due_at < due_before)
    if done is not None:
        stmt = stmt.where(Task.done_at.is_not(None) if done else Task.done_at.is_(None))
    return stmt
