"""Block Kit checks with Slack's limits and its `[ERROR] ... [json-pointer:...]` messages."""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

BLOCK_TYPES = frozenset({
    "section", "header", "context", "divider", "actions", "image", "input", "rich_text",
    "file", "call", "video", "markdown",
})
SELECTS = frozenset({
    "static_select", "external_select", "users_select", "conversations_select", "channels_select",
    "multi_static_select", "multi_external_select", "multi_users_select",
    "multi_conversations_select", "multi_channels_select",
})
ACTION_ELEMENTS = SELECTS | {
    "button", "checkboxes", "datepicker", "datetimepicker", "overflow", "radio_buttons",
    "timepicker", "workflow_button",
}
ACCESSORY_ELEMENTS = ACTION_ELEMENTS | {"image"}
INPUT_ELEMENTS = SELECTS | {
    "checkboxes", "datepicker", "datetimepicker", "email_text_input", "file_input",
    "number_input", "plain_text_input", "radio_buttons", "rich_text_input", "timepicker",
    "url_text_input",
}
RICH_TEXT_ELEMENTS = frozenset({
    "rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote",
})
TEXT_TYPES = ("plain_text", "mrkdwn")


class _Checker:
    """Collects errors for one payload; block_id and action_id must be unique across it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    def err(self, what: str, ptr: str) -> None:
        self.errors.append(f"[ERROR] {what} [json-pointer:{ptr}]")

    def max_len(self, value: Any, limit: int, ptr: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.err(f"must be less than {limit + 1} characters", ptr)

    def string(self, obj: dict, key: str, ptr: str, limit: int, required: bool = False) -> None:
        value = obj.get(key)
        if value is None:
            if required:
                self.err(f"missing required field: {key}", ptr)
            return
        if not isinstance(value, str):
            self.err("must be a string", f"{ptr}/{key}")
            return
        self.max_len(value, limit, f"{ptr}/{key}")

    def items(self, value: Any, ptr: str, low: int, high: int) -> list:
        if not isinstance(value, list):
            self.err("must be an array", ptr)
            return []
        if len(value) < low:
            self.err(f"must provide at least {low} items", ptr)
        if len(value) > high:
            self.err(f"no more than {high} items allowed", ptr)
        return value

    def text(self, obj: Any, ptr: str, limit: int, plain_only: bool = False) -> None:
        if not isinstance(obj, dict):
            self.err("must be a text object", ptr)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else TEXT_TYPES
        if kind not in allowed:
            self.err(f"must be one of: {', '.join(allowed)}", f"{ptr}/type")
            return
        value = obj.get("text")
        if not isinstance(value, str):
            self.err("missing required field: text", ptr)
        elif value == "":
            self.err("must be more than 0 characters", f"{ptr}/text")
        else:
            self.max_len(value, limit, f"{ptr}/text")
        if "emoji" in obj:
            if kind != "plain_text":
                self.err("emoji is only allowed on plain_text", f"{ptr}/emoji")
            elif not isinstance(obj["emoji"], bool):
                self.err("must be a boolean", f"{ptr}/emoji")

    def block_id(self, block: dict, ptr: str) -> None:
        if "block_id" not in block:
            return
        value = block["block_id"]
        if not isinstance(value, str) or value == "":
            self.err("must be a non-empty string", f"{ptr}/block_id")
            return
        self.max_len(value, 255, f"{ptr}/block_id")
        if value in self.block_ids:
            self.err(f"duplicate block_id: {value}", f"{ptr}/block_id")
        self.block_ids.add(value)

    def action_id(self, element: dict, ptr: str) -> None:
        if "action_id" not in element:
            return
        value = element["action_id"]
        if not isinstance(value, str) or value == "":
            self.err("must be a non-empty string", f"{ptr}/action_id")
            return
        self.max_len(value, 255, f"{ptr}/action_id")
        if value in self.action_ids:
            self.err(f"duplicate action_id: {value}", f"{ptr}/action_id")
        self.action_ids.add(value)

    def options(self, options: Any, ptr: str, low: int, high: int, mrkdwn: bool) -> None:
        for i, option in enumerate(self.items(options, ptr, low, high)):
            p = f"{ptr}/{i}"
            if not isinstance(option, dict):
                self.err("must be an object", p)
                continue
            self.text(option.get("text"), f"{p}/text", 75, plain_only=not mrkdwn)
            self.string(option, "value", p, 150, required=True)

    def element(self, el: Any, ptr: str, allowed: frozenset[str]) -> None:
        if not isinstance(el, dict):
            self.err("must be an object", ptr)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.err(f"unsupported element type: {kind}", f"{ptr}/type")
            return
        self.action_id(el, ptr)
        if "placeholder" in el:
            self.text(el["placeholder"], f"{ptr}/placeholder", 150, plain_only=True)
        if kind == "button":
            self.text(el.get("text"), f"{ptr}/text", 75, plain_only=True)
            self.string(el, "value", ptr, 2000)
            self.string(el, "url", ptr, 3000)
            if "style" in el and el["style"] not in ("primary", "danger"):
                self.err("must be one of: primary, danger", f"{ptr}/style")
        elif kind == "image":
            self.image_source(el, ptr)
        elif kind == "overflow":
            self.options(el.get("options"), f"{ptr}/options", 1, 5, mrkdwn=False)
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(el.get("options"), f"{ptr}/options", 1, 10, mrkdwn=True)
        elif kind in ("static_select", "multi_static_select"):
            if "options" in el:
                self.options(el["options"], f"{ptr}/options", 1, 100, mrkdwn=False)
            elif "option_groups" not in el:
                self.err("missing required field: options", ptr)

    def image_source(self, obj: dict, ptr: str) -> None:
        if "image_url" not in obj and "slack_file" not in obj:
            self.err("missing required field: image_url", ptr)
        self.string(obj, "image_url", ptr, 3000)
        self.string(obj, "alt_text", ptr, 2000, required=True)

    def block(self, block: Any, ptr: str) -> None:
        if not isinstance(block, dict):
            self.err("must be an object", ptr)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.err(f"unsupported type: {kind}", f"{ptr}/type")
            return
        self.block_id(block, ptr)
        getattr(self, f"_{kind}")(block, ptr)

    def _section(self, b: dict, ptr: str) -> None:
        if "text" not in b and "fields" not in b:
            self.err("missing required field: text", ptr)
        if "text" in b:
            self.text(b["text"], f"{ptr}/text", 3000)
        if "fields" in b:
            for i, f in enumerate(self.items(b["fields"], f"{ptr}/fields", 1, 10)):
                self.text(f, f"{ptr}/fields/{i}", 2000)
        if "accessory" in b:
            self.element(b["accessory"], f"{ptr}/accessory", ACCESSORY_ELEMENTS)

    def _header(self, b: dict, ptr: str) -> None:
        self.text(b.get("text"), f"{ptr}/text", 150, plain_only=True)

    def _context(self, b: dict, ptr: str) -> None:
        for i, el in enumerate(self.items(b.get("elements"), f"{ptr}/elements", 1, 10)):
            p = f"{ptr}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                self.image_source(el, p)
            else:
                self.text(el, p, 3000)

    def _divider(self, b: dict, ptr: str) -> None:
        return

    def _actions(self, b: dict, ptr: str) -> None:
        for i, el in enumerate(self.items(b.get("elements"), f"{ptr}/elements", 1, 25)):
            self.element(el, f"{ptr}/elements/{i}", ACTION_ELEMENTS)

    def _image(self, b: dict, ptr: str) -> None:
        self.image_source(b, ptr)
        if "title" in b:
            self.text(b["title"], f"{ptr}/title", 2000, plain_only=True)

    def _input(self, b: dict, ptr: str) -> None:
        self.text(b.get("label"), f"{ptr}/label", 2000, plain_only=True)
        if "hint" in b:
            self.text(b["hint"], f"{ptr}/hint", 2000, plain_only=True)
        if "element" not in b:
            self.err("missing required field: element", ptr)
        else:
            self.element(b["element"], f"{ptr}/element", INPUT_ELEMENTS)
        for key in ("optional", "dispatch_action"):
            if key in b and not isinstance(b[key], bool):
                self.err("must be a boolean", f"{ptr}/{key}")

    def _rich_text(self, b: dict, ptr: str) -> None:
        for i, el in enumerate(self.items(b.get("elements"), f"{ptr}/elements", 1, 100)):
            p = f"{ptr}/elements/{i}"
            if not isinstance(el, dict) or el.get("type") not in RICH_TEXT_ELEMENTS:
                kind = el.get("type") if isinstance(el, dict) else None
                self.err(f"unsupported element type: {kind}", f"{p}/type")
            elif not isinstance(el.get("elements"), list):
                self.err("missing required field: elements", p)

    def _file(self, b: dict, ptr: str) -> None:
        self.string(b, "external_id", ptr, 255, required=True)
        if b.get("source") != "remote":
            self.err("must be one of: remote", f"{ptr}/source")

    def _call(self, b: dict, ptr: str) -> None:
        self.string(b, "call_id", ptr, 255, required=True)

    def _video(self, b: dict, ptr: str) -> None:
        self.text(b.get("title"), f"{ptr}/title", 200, plain_only=True)
        for key in ("alt_text", "thumbnail_url", "video_url"):
            self.string(b, key, ptr, 3000, required=True)

    def _markdown(self, b: dict, ptr: str) -> None:
        self.string(b, "text", ptr, 12000, required=True)


def check_blocks(blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS,
                 pointer: str = "/blocks", checker: _Checker | None = None) -> list[str]:
    """Check a blocks array; return Slack-style error messages (empty when valid)."""
    c = checker or _Checker()
    for i, block in enumerate(c.items(blocks, pointer, 0, max_blocks)):
        c.block(block, f"{pointer}/{i}")
    return c.errors


def check_view(view: Any, *, pointer: str = "/view") -> list[str]:
    """Check a modal or home tab view object; return Slack-style error messages."""
    c = _Checker()
    if not isinstance(view, dict):
        c.err("must be an object", pointer)
        return c.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        c.err("must be one of: modal, home", f"{pointer}/type")
        return c.errors
    if "blocks" not in view:
        c.err("missing required field: blocks", pointer)
    else:
        check_blocks(view["blocks"], max_blocks=MAX_VIEW_BLOCKS, pointer=f"{pointer}/blocks",
                     checker=c)
    if kind == "modal":
        c.text(view.get("title"), f"{pointer}/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                c.text(view[key], f"{pointer}/{key}", 24, plain_only=True)
        blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            c.err("missing required field: submit", pointer)
    c.string(view, "callback_id", pointer, 255)
    c.string(view, "private_metadata", pointer, 3000)
    c.string(view, "external_id", pointer, 255)
    return c.errors
