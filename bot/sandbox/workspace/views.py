"""views.open / push / update / publish: modals and home tabs, checked and stored."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .blockkit import check_view
from .methods import handles
from .spec import ArgError, is_blank
from .state import Workspace


def _checked(view: Any, kind: str) -> dict[str, Any]:
    """The view if it is valid and of the given type, else invalid_arguments."""
    errors = check_view(view)
    if not errors and view.get("type") != kind:
        errors = [f"[ERROR] must be one of: {kind} [json-pointer:/view/type]"]
    if errors:
        raise ArgError("invalid_arguments", errors)
    return view


def _new_hash() -> str:
    return f"{int(time.time())}.{uuid.uuid4().hex[:8]}"


def _render(ws: Workspace, view: dict[str, Any], view_id: str, *, root_id: str | None = None,
            previous_id: str | None = None) -> dict[str, Any]:
    """A stored view object in the shape views.* answer."""
    return {
        "id": view_id, "team_id": ws.team_id, "type": view["type"], "blocks": view["blocks"],
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""), "state": {"values": {}},
        "hash": _new_hash(), "title": view.get("title"), "close": view.get("close"),
        "submit": view.get("submit"), "clear_on_close": bool(view.get("clear_on_close")),
        "notify_on_close": bool(view.get("notify_on_close")),
        "root_view_id": root_id or view_id, "previous_view_id": previous_id,
        "app_id": ws.app_id, "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id, "bot_id": ws.bot_id,
    }


def _check_external_id(ws: Workspace, view: dict[str, Any], own_id: str | None = None) -> None:
    ext = view.get("external_id")
    if ext and any(v["external_id"] == ext and v["id"] != own_id for v in ws.views.values()):
        raise ArgError("duplicate_external_id")


def _open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    ws.use_trigger(str(args["trigger_id"]))
    view = _checked(args["view"], "modal")
    _check_external_id(ws, view)
    view_id = ws.new_id("V")
    ws.views[view_id] = _render(ws, view, view_id)
    ws.view_triggers[view_id] = str(args["trigger_id"])
    return {"ok": True, "view": ws.views[view_id]}


@handles("views.open")
def views_open(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Open a modal for a fresh trigger_id."""
    return _open(ws, args)


@handles("views.push")
def views_push(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Push a modal onto the stack (stored like views.open)."""
    return _open(ws, args)


@handles("views.publish")
def views_publish(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Publish a user's home tab."""
    user_id = str(args["user_id"])
    ws.user(user_id)
    view = _checked(args["view"], "home")
    old_id = ws.home_views.get(user_id)
    if not is_blank(args.get("hash")) and (old_id is None or
                                           ws.views[old_id]["hash"] != str(args["hash"])):
        raise ArgError("hash_conflict")
    _check_external_id(ws, view, old_id)
    view_id = old_id or ws.new_id("V")
    ws.views[view_id] = _render(ws, view, view_id)
    ws.home_views[user_id] = view_id
    return {"ok": True, "view": ws.views[view_id]}


@handles("views.update")
def views_update(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Replace a stored view found by view_id or external_id."""
    if not is_blank(args.get("view_id")):
        old = ws.views.get(str(args["view_id"]))
    else:
        old = next((v for v in ws.views.values()
                    if v["external_id"] == str(args["external_id"])), None)
    if old is None:
        raise ArgError("not_found")
    if not is_blank(args.get("hash")) and old["hash"] != str(args["hash"]):
        raise ArgError("hash_conflict")
    view = _checked(args["view"], old["type"])
    _check_external_id(ws, view, old["id"])
    stored = _render(ws, view, old["id"], root_id=old["root_view_id"],
                     previous_id=old["previous_view_id"])
    ws.views[old["id"]] = stored
    return {"ok": True, "view": stored}
