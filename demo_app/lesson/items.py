"""The lesson ring: items. Only their owner sees or changes them; each change emails the
owner and writes an audit row after the response, and completing one awards badges."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlmodel import col, select

from demo_app.deps import CurrentUser, SessionDep, Tasks
from demo_app.lesson.tasks import log_user_action, process_item_completion, send_item_notification
from demo_app.models import Item, User, id_of, utcnow
from demo_app.platform.quotas import QUOTA_EXCEEDED, email_quota
from demo_app.platform.responses import UNAUTHORIZED, not_found
from demo_app.schemas import DbId, ItemCreate, ItemPublic, ItemUpdate, Offset

# Each change emails its owner: every route that writes counts that email against the
# owner's hourly quota first (EMAILS_OWNER: 429, and nothing written, past it).
router = APIRouter(prefix="/items", tags=["items"], responses=UNAUTHORIZED | {429: QUOTA_EXCEEDED})
EMAILS_OWNER = [Depends(email_quota)]


async def owned_item(session: SessionDep, item_id: int, user: User) -> Item:
    """The user's own live item, or 404: another user's item does not exist for them."""
    item = await session.get(Item, item_id)
    if item is None or item.owner_id != user.id or item.deleted_at is not None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Item {item_id} not found")
    return item


async def lock_and_bump(session: SessionDep, item: Item) -> Item:
    """`version = version + 1` in SQL, then the row read back inside this transaction.

    `item.version += 1` in Python is a lost update: ten concurrent PUTs all read version 1
    and all write 2, so nine "updated" emails share one idempotency key and are skipped.
    The UPDATE takes the row's write lock until commit, so what is read back is current
    and no other change can come in between: each request gets its own version, and sees
    whether the item was already completed (or deleted) by the request before it.
    """
    item.version = Item.version + 1  # a SQL expression: the database adds the one
    await session.flush()
    await session.refresh(item)
    if item.deleted_at is not None:  # deleted by a request that held the lock first
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Item {item.id} not found")
    return item


def notify(tasks: Tasks, user: User, item: Item, notification_type: str) -> None:
    tasks.add_task(
        send_item_notification,
        recipient_email=user.email,
        recipient_username=user.username,
        item_title=item.title,
        notification_type=notification_type,
        item_id=id_of(item),
        item_version=item.version,
    )


# --8<-- [start:create_item]
@router.post(
    "", response_model=ItemPublic, status_code=status.HTTP_201_CREATED, dependencies=EMAILS_OWNER
)
async def create_item(data: ItemCreate, user: CurrentUser, session: SessionDep, tasks: Tasks):
    item = Item(owner_id=id_of(user), title=data.title, description=data.description)
    session.add(item)
    await session.flush()  # gives the item its id, still inside the transaction
    notify(tasks, user, item, "created")
    tasks.add_task(log_user_action, user.username, "CREATE_ITEM", f"item_id: {item.id}")
    await session.commit()
    return item


# --8<-- [end:create_item]


@router.get("", response_model=list[ItemPublic])
async def list_items(
    user: CurrentUser,
    session: SessionDep,
    offset: Offset = 0,
    limit: int = Query(50, ge=1, le=200),
):
    query = (
        select(Item)
        .where(Item.owner_id == user.id, col(Item.deleted_at).is_(None))
        .order_by(col(Item.id))
        .offset(offset)
        .limit(limit)
    )
    return (await session.exec(query)).all()


@router.get("/{item_id}", response_model=ItemPublic, responses=not_found("item"))
async def read_item(item_id: DbId, user: CurrentUser, session: SessionDep):
    return await owned_item(session, item_id, user)


# --8<-- [start:update_item]
@router.put(
    "/{item_id}", response_model=ItemPublic, responses=not_found("item"), dependencies=EMAILS_OWNER
)
async def update_item(
    item_id: DbId, data: ItemUpdate, user: CurrentUser, session: SessionDep, tasks: Tasks
):
    item = await owned_item(session, item_id, user)
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return item
    item = await lock_and_bump(session, item)
    was_completed = item.is_completed
    for field, value in changes.items():
        setattr(item, field, value)
    if item.is_completed and not was_completed:
        item.completed_at = utcnow()
    elif not item.is_completed:
        item.completed_at = None
    item.updated_at = utcnow()

    just_completed = item.is_completed and not was_completed
    notify(tasks, user, item, "completed" if just_completed else "updated")
    tasks.add_task(log_user_action, user.username, "UPDATE_ITEM", f"item_id: {item.id}")
    if just_completed:  # only on the transition, not on every save of a done item
        tasks.add_task(process_item_completion, id_of(item), user.username, item.title)
    await session.commit()
    return item


# --8<-- [end:update_item]


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=not_found("item"),
    dependencies=EMAILS_OWNER,
)
async def delete_item(item_id: DbId, user: CurrentUser, session: SessionDep, tasks: Tasks) -> None:
    item = await lock_and_bump(session, await owned_item(session, item_id, user))
    item.deleted_at = utcnow()  # soft delete: cleanup_old_data purges it later
    notify(tasks, user, item, "deleted")
    tasks.add_task(log_user_action, user.username, "DELETE_ITEM", f"item_id: {item.id}")
    await session.commit()
