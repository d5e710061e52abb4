"""The external file upload flow: get an upload URL, send the bytes there, complete the upload."""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from .methods import handles, member_channel
from .spec import ArgError, as_int, is_blank
from .state import Workspace


@handles("files.getUploadURLExternal")
def files_get_upload_url_external(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Reserve a file id and an upload URL on the fake."""
    length = as_int(args["length"], 0)
    if length < 0:
        raise ArgError("invalid_arguments", ["[ERROR] length must be positive"])
    file_id = ws.new_id("F")
    name = str(args["filename"])
    ws.files[file_id] = {
        "id": file_id, "name": name, "title": name, "length": length, "content": None,
        "uploaded": False, "completed": False, "channels": [], "created": int(time.time()),
        "alt_txt": args.get("alt_txt"), "snippet_type": args.get("snippet_type"),
        "mimetype": mimetypes.guess_type(name)[0] or "application/octet-stream",
    }
    return {"ok": True, "upload_url": f"{ws.base_url}/upload/v1/{file_id}", "file_id": file_id}


def store_upload(ws: Workspace, file_id: str, content: bytes) -> bool:
    """Keep bytes posted to an upload URL; False when the file id is unknown or completed."""
    record = ws.files.get(file_id)
    if record is None or record["completed"]:
        return False
    record.update(content=content, uploaded=True)
    if len(content) != record["length"]:
        ws.warnings.append(("upload_url", "fake_upload_length_mismatch"))
    return True


def render_file(ws: Workspace, record: dict[str, Any]) -> dict[str, Any]:
    """A file object in the shape files.* answer."""
    ext = record["name"].rsplit(".", 1)[-1] if "." in record["name"] else "binary"
    return {
        "id": record["id"], "created": record["created"], "timestamp": record["created"],
        "name": record["name"], "title": record["title"], "mimetype": record["mimetype"],
        "filetype": ext, "pretty_type": ext.upper(), "user": ws.bot_user_id,
        "user_team": ws.team_id, "size": len(record["content"] or b""), "is_external": False,
        "is_public": True, "channels": list(record["channels"]),
        "url_private": f"{ws.base_url}/files-pri/{ws.team_id}-{record['id']}/{record['name']}",
        "permalink": f"https://{ws.domain}.slack.com/files/{ws.bot_user_id}/{record['id']}",
    }


@handles("files.completeUploadExternal")
def files_complete_upload_external(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    """Finish uploads; share them in channel_id/channels with an optional initial_comment."""
    entries = args["files"]
    if not isinstance(entries, list) or not entries:
        raise ArgError("invalid_arguments", ["[ERROR] files must be a non-empty array"])
    records = []
    for entry in entries:
        record = ws.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
        if record is None or not record["uploaded"]:
            raise ArgError("file_not_found")
        records.append((record, entry))
    refs = [] if is_blank(args.get("channel_id")) else [str(args["channel_id"])]
    if not is_blank(args.get("channels")):
        refs += [c for c in str(args["channels"]).split(",") if c]
    channels = [member_channel(ws, ref) for ref in refs]
    for record, entry in records:
        record["completed"] = True
        if entry.get("title"):
            record["title"] = str(entry["title"])
        record["channels"] = [ch.id for ch in channels]
    shared = [render_file(ws, r) for r, _ in records]
    thread_ts = None if is_blank(args.get("thread_ts")) else str(args["thread_ts"])
    comment = "" if args.get("initial_comment") is None else str(args["initial_comment"])
    for ch in channels:
        ws.add_message(ch.id, comment, user=ws.bot_user_id, thread_ts=thread_ts, bot=True,
                       method="files.completeUploadExternal", files=shared, upload=True,
                       display_as_bot=False)
    return {"ok": True, "files": shared}
