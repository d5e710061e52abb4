"""Block Kit checks with Slack's limits and its `[ERROR] ... [json-pointer:...]` messages.

Two opinions: our own checker, which reads every number from ``LIMITS`` (each with the Slack
reference page that states it) and every other rule from ``RULES``; then, when ours finds
nothing, slack_sdk's own Block Kit model classes (parse, then ``to_dict()``, which runs their
validators).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

_REF = "https://docs.slack.dev/reference/"
_BLOCKS = _REF + "block-kit/blocks/"
_ELEMENTS = _REF + "block-kit/block-elements/"
_OBJECTS = _REF + "block-kit/composition-objects/"
_BLOCK_KIT = _REF + "block-kit/blocks"
_VIEWS = _REF + "views"
_OPTION = _OBJECTS + "option-object"
_BUTTON = _ELEMENTS + "button-element"
_SELECT = _ELEMENTS + "select-menu-element"
_TEXT_INPUT = _ELEMENTS + "plain-text-input-element"
_SECTION = _BLOCKS + "section-block"
_INPUT = _BLOCKS + "input-block"
_IMAGE = _BLOCKS + "image-block"


@dataclass(frozen=True)
class Limit:
    """One of Slack's Block Kit limits and the reference page that states it."""

    value: int
    source: str


LIMITS: dict[str, Limit] = {
    "message_blocks": Limit(50, _BLOCK_KIT),
    "view_blocks": Limit(100, _BLOCK_KIT),
    "block_id": Limit(255, _BLOCK_KIT),
    "action_id": Limit(255, _BUTTON),
    "text_object": Limit(3000, _OBJECTS + "text-object"),
    "section_text": Limit(3000, _SECTION),
    "section_fields": Limit(10, _SECTION),
    "section_field_text": Limit(2000, _SECTION),
    "header_text": Limit(150, _BLOCKS + "header-block"),
    "context_elements": Limit(10, _BLOCKS + "context-block"),
    "actions_elements": Limit(25, _BLOCKS + "actions-block"),
    "input_label": Limit(2000, _INPUT),
    "input_hint": Limit(2000, _INPUT),
    "image_url": Limit(3000, _IMAGE),
    "image_alt_text": Limit(2000, _IMAGE),
    "image_title": Limit(2000, _IMAGE),
    "video_title": Limit(199, _BLOCKS + "video-block"),  # "must be less than 200"
    "markdown_text": Limit(12000, _BLOCKS + "markdown-block"),
    "button_text": Limit(75, _BUTTON),
    "button_value": Limit(2000, _BUTTON),
    "button_url": Limit(3000, _BUTTON),
    "button_accessibility_label": Limit(75, _BUTTON),
    "placeholder": Limit(150, _SELECT),
    "select_options": Limit(100, _SELECT),
    "multi_select_options": Limit(100, _ELEMENTS + "multi-select-menu-element"),
    "checkboxes_options": Limit(10, _ELEMENTS + "checkboxes-element"),
    "radio_options": Limit(10, _ELEMENTS + "radio-button-group-element"),
    "overflow_options": Limit(5, _ELEMENTS + "overflow-menu-element"),
    "option_text": Limit(75, _OPTION),
    "option_description": Limit(75, _OPTION),
    "option_value": Limit(150, _OPTION),
    "text_input_initial_value": Limit(3000, _TEXT_INPUT),
    "text_input_max_length": Limit(3000, _TEXT_INPUT),
    "modal_title": Limit(24, _VIEWS),
    "modal_submit": Limit(24, _VIEWS),
    "modal_close": Limit(24, _VIEWS),
    "private_metadata": Limit(3000, _VIEWS),
    "callback_id": Limit(255, _VIEWS),
    "external_id": Limit(255, _VIEWS),
}

# The rules that are not a number, each with the page that states it.
RULES: dict[str, str] = {
    "initial_option_among_options": _SELECT,
    "initial_options_among_options": _ELEMENTS + "checkboxes-element",
    "initial_value_within_max_length": _TEXT_INPUT,
    "initial_user_is_a_user_id": _SELECT,
    "unique_block_id": _BLOCK_KIT,
    "unique_action_id": _BUTTON,
    "option_description_plain_text": _OPTION,
}

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
# Elements with options: (the limit on how many, whether option text may be mrkdwn)
OPTION_ELEMENTS = {
    "static_select": ("select_options", False),
    "multi_static_select": ("multi_select_options", False),
    "checkboxes": ("checkboxes_options", True),
    "radio_buttons": ("radio_options", True),
    "overflow": ("overflow_options", False),
}
SDK_ERRORS = (SlackObjectFormationError, AttributeError, KeyError, TypeError, ValueError)


def _most(name: str) -> int:
    return LIMITS[name].value


class _Checker:
    """Collects errors for one payload; block_id and action_id must be unique across it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    def err(self, what: str, ptr: str) -> None:
        self.errors.append(f"[ERROR] {what} [json-pointer:{ptr}]")

    def max_len(self, value: Any, limit: str, ptr: str) -> None:
        most = _most(limit)
        if isinstance(value, str) and len(value) > most:
            self.err(f"must be less than {most + 1} characters", ptr)

    def string(self, obj: dict, key: str, ptr: str, limit: str, required: bool = False) -> None:
        value = obj.get(key)
        if value is None:
            if required:
                self.err(f"missing required field: {key}", ptr)
            return
        if not isinstance(value, str):
            self.err("must be a string", f"{ptr}/{key}")
            return
        self.max_len(value, limit, f"{ptr}/{key}")

    def items(self, value: Any, ptr: str, low: int, limit: str | None) -> list:
        if not isinstance(value, list):
            self.err("must be an array", ptr)
            return []
        if len(value) < low:
            self.err(f"must provide at least {low} items", ptr)
        if limit is not None and len(value) > _most(limit):
            self.err(f"no more than {_most(limit)} items allowed", ptr)
        return value

    def text(self, obj: Any, ptr: str, limit: str, plain_only: bool = False) -> None:
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

    def unique(self, obj: dict, key: str, seen: set[str], ptr: str) -> None:
        if key not in obj:
            return
        value = obj[key]
        if not isinstance(value, str) or value == "":
            self.err("must be a non-empty string", f"{ptr}/{key}")
            return
        self.max_len(value, key, f"{ptr}/{key}")
        if value in seen:
            self.err(f"duplicate {key}: {value}", f"{ptr}/{key}")
        seen.add(value)

    def option(self, option: Any, ptr: str, mrkdwn: bool) -> None:
        if not isinstance(option, dict):
            self.err("must be an object", ptr)
            return
        self.text(option.get("text"), f"{ptr}/text", "option_text", plain_only=not mrkdwn)
        self.string(option, "value", ptr, "option_value", required=True)
        if "description" in option:
            self.text(option["description"], f"{ptr}/description", "option_description",
                      plain_only=True)

    def options(self, el: dict, ptr: str, limit: str, mrkdwn: bool) -> None:
        """The element's options (or option groups), and its initial option(s) among them."""
        if "options" in el:
            offered = self.items(el["options"], f"{ptr}/options", 1, limit)
            for i, option in enumerate(offered):
                self.option(option, f"{ptr}/options/{i}", mrkdwn)
        elif "option_groups" in el and el["type"] in ("static_select", "multi_static_select"):
            groups = el["option_groups"] if isinstance(el["option_groups"], list) else []
            offered = [o for g in groups if isinstance(g, dict)
                       for o in (g.get("options") if isinstance(g.get("options"), list) else [])]
        else:
            self.err("missing required field: options", ptr)
            return
        if "initial_option" in el and el["initial_option"] not in offered:
            self.err("initial_option must match one of the options",
                     f"{ptr}/initial_option")
        if "initial_options" in el:
            chosen = el["initial_options"]
            if not isinstance(chosen, list):
                self.err("must be an array", f"{ptr}/initial_options")
                return
            for i, option in enumerate(chosen):
                if option not in offered:
                    self.err("initial_options must match the options",
                             f"{ptr}/initial_options/{i}")

    def text_input(self, el: dict, ptr: str) -> None:
        top = _most("text_input_max_length")
        for key in ("min_length", "max_length"):
            value = el.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                self.err(f"must be an integer from 0 to {top}", f"{ptr}/{key}")
        self.string(el, "initial_value", ptr, "text_input_initial_value")
        initial, most = el.get("initial_value"), el.get("max_length")
        if isinstance(initial, str) and type(most) is int and len(initial) > most:
            self.err("initial_value must not be longer than max_length", f"{ptr}/initial_value")

    def element(self, el: Any, ptr: str, allowed: frozenset[str]) -> None:
        if not isinstance(el, dict):
            self.err("must be an object", ptr)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.err(f"unsupported element type: {kind}", f"{ptr}/type")
            return
        self.unique(el, "action_id", self.action_ids, ptr)
        if "placeholder" in el:
            self.text(el["placeholder"], f"{ptr}/placeholder", "placeholder", plain_only=True)
        if kind == "button":
            self.text(el.get("text"), f"{ptr}/text", "button_text", plain_only=True)
            self.string(el, "value", ptr, "button_value")
            self.string(el, "url", ptr, "button_url")
            self.string(el, "accessibility_label", ptr, "button_accessibility_label")
            if "style" in el and el["style"] not in ("primary", "danger"):
                self.err("must be one of: primary, danger", f"{ptr}/style")
        elif kind == "image":
            self.image_source(el, ptr)
        elif kind in OPTION_ELEMENTS:
            limit, mrkdwn = OPTION_ELEMENTS[kind]
            self.options(el, ptr, limit, mrkdwn)
        elif kind == "plain_text_input":
            self.text_input(el, ptr)
        elif kind == "users_select" and "initial_user" in el and not (
                isinstance(el["initial_user"], str) and el["initial_user"]):
            self.err("must be a user ID string", f"{ptr}/initial_user")

    def image_source(self, obj: dict, ptr: str) -> None:
        if "image_url" not in obj and "slack_file" not in obj:
            self.err("missing required field: image_url", ptr)
        self.string(obj, "image_url", ptr, "image_url")
        self.string(obj, "alt_text", ptr, "image_alt_text", required=True)

    def block(self, block: Any, ptr: str) -> None:
        if not isinstance(block, dict):
            self.err("must be an object", ptr)
            return
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            self.err(f"unsupported type: {kind}", f"{ptr}/type")
            return
        self.unique(block, "block_id", self.block_ids, ptr)
        getattr(self, f"_{kind}")(block, ptr)

    def _section(self, b: dict, ptr: str) -> None:
        if "text" not in b and "fields" not in b:
            self.err("missing required field: text", ptr)
        if "text" in b:
            self.text(b["text"], f"{ptr}/text", "section_text")
        if "fields" in b:
            for i, f in enumerate(self.items(b["fields"], f"{ptr}/fields", 1, "section_fields")):
                self.text(f, f"{ptr}/fields/{i}", "section_field_text")
        if "accessory" in b:
            self.element(b["accessory"], f"{ptr}/accessory", ACCESSORY_ELEMENTS)

    def _header(self, b: dict, ptr: str) -> None:
        self.text(b.get("text"), f"{ptr}/text", "header_text", plain_only=True)

    def _context(self, b: dict, ptr: str) -> None:
        elements = self.items(b.get("elements"), f"{ptr}/elements", 1, "context_elements")
        for i, el in enumerate(elements):
            p = f"{ptr}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                self.image_source(el, p)
            else:
                self.text(el, p, "text_object")

    def _divider(self, b: dict, ptr: str) -> None:
        return

    def _actions(self, b: dict, ptr: str) -> None:
        elements = self.items(b.get("elements"), f"{ptr}/elements", 1, "actions_elements")
        for i, el in enumerate(elements):
            self.element(el, f"{ptr}/elements/{i}", ACTION_ELEMENTS)

    def _image(self, b: dict, ptr: str) -> None:
        self.image_source(b, ptr)
        if "title" in b:
            self.text(b["title"], f"{ptr}/title", "image_title", plain_only=True)

    def _input(self, b: dict, ptr: str) -> None:
        self.text(b.get("label"), f"{ptr}/label", "input_label", plain_only=True)
        if "hint" in b:
            self.text(b["hint"], f"{ptr}/hint", "input_hint", plain_only=True)
        if "element" not in b:
            self.err("missing required field: element", ptr)
        else:
            self.element(b["element"], f"{ptr}/element", INPUT_ELEMENTS)
        for key in ("optional", "dispatch_action"):
            if key in b and not isinstance(b[key], bool):
                self.err("must be a boolean", f"{ptr}/{key}")

    def _rich_text(self, b: dict, ptr: str) -> None:
        elements = self.items(b.get("elements"), f"{ptr}/elements", 1, None)
        for i, el in enumerate(elements):
            p = f"{ptr}/elements/{i}"
            if not isinstance(el, dict) or el.get("type") not in RICH_TEXT_ELEMENTS:
                kind = el.get("type") if isinstance(el, dict) else None
                self.err(f"unsupported element type: {kind}", f"{p}/type")
            elif not isinstance(el.get("elements"), list):
                self.err("missing required field: elements", p)

    def required(self, obj: dict, key: str, ptr: str) -> None:
        if key not in obj:
            self.err(f"missing required field: {key}", ptr)
        elif not isinstance(obj[key], str) or not obj[key]:
            self.err("must be a non-empty string", f"{ptr}/{key}")

    def _file(self, b: dict, ptr: str) -> None:
        self.required(b, "external_id", ptr)
        if b.get("source") != "remote":
            self.err("must be one of: remote", f"{ptr}/source")

    def _call(self, b: dict, ptr: str) -> None:
        self.required(b, "call_id", ptr)

    def _video(self, b: dict, ptr: str) -> None:
        self.text(b.get("title"), f"{ptr}/title", "video_title", plain_only=True)
        for key in ("alt_text", "thumbnail_url", "video_url"):
            self.required(b, key, ptr)

    def _markdown(self, b: dict, ptr: str) -> None:
        self.string(b, "text", ptr, "markdown_text", required=True)

    def view(self, view: dict, ptr: str) -> None:
        kind = view["type"]
        if "blocks" not in view:
            self.err("missing required field: blocks", ptr)
        else:
            for i, block in enumerate(self.items(view["blocks"], f"{ptr}/blocks", 0,
                                                 "view_blocks")):
                self.block(block, f"{ptr}/blocks/{i}")
        if kind == "modal":
            self.text(view.get("title"), f"{ptr}/title", "modal_title", plain_only=True)
            for key in ("submit", "close"):
                if key in view:
                    self.text(view[key], f"{ptr}/{key}", f"modal_{key}", plain_only=True)
            blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
            has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
            if has_input and "submit" not in view:
                self.err("missing required field: submit", ptr)
        for key in ("callback_id", "private_metadata", "external_id"):
            self.string(view, key, ptr, key)


def _sdk_block_errors(blocks: list, pointer: str) -> list[str]:
    """slack_sdk's opinion of each block: one it cannot parse or whose validators fail."""
    errors = []
    for i, block in enumerate(blocks):
        ptr = f"{pointer}/{i}"
        try:
            parsed = Block.parse(block)
            if parsed is None:
                errors.append(f"[ERROR] slack_sdk cannot parse this block [json-pointer:{ptr}]")
            else:
                parsed.to_dict()
        except SDK_ERRORS as exc:
            errors.append(f"[ERROR] slack_sdk: {exc} [json-pointer:{ptr}]")
    return errors


def check_blocks(blocks: Any, *, pointer: str = "/blocks") -> list[str]:
    """Check a message's blocks array; return Slack-style error messages (empty when valid)."""
    c = _Checker()
    for i, block in enumerate(c.items(blocks, pointer, 0, "message_blocks")):
        c.block(block, f"{pointer}/{i}")
    return c.errors or _sdk_block_errors(blocks, pointer)


def check_view(view: Any, *, pointer: str = "/view") -> list[str]:
    """Check a modal or home tab view object; return Slack-style error messages."""
    c = _Checker()
    if not isinstance(view, dict):
        c.err("must be an object", pointer)
        return c.errors
    if view.get("type") not in ("modal", "home"):
        c.err("must be one of: modal, home", f"{pointer}/type")
        return c.errors
    c.view(view, pointer)
    if c.errors:
        return c.errors
    errors = _sdk_block_errors(view["blocks"], f"{pointer}/blocks")
    if not errors:
        try:
            View(**view).to_dict()
        except SDK_ERRORS as exc:
            errors.append(f"[ERROR] slack_sdk: {exc} [json-pointer:{pointer}]")
    return errors


def check_ack(body: Any) -> list[str]:
    """Check what an app answers in its ack (a slash command's message, a form's
    ``response_action``), as Slack does before showing it; return error messages."""
    if not isinstance(body, dict):
        return []
    errors = check_blocks(body["blocks"]) if body.get("blocks") else []
    action = body.get("response_action")
    if action in ("update", "push"):
        errors += check_view(body.get("view"))
    elif action == "errors":
        fields = body.get("errors")
        if not isinstance(fields, dict) or not fields or not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in fields.items()):
            errors.append("[ERROR] errors must map block_ids to messages [json-pointer:/errors]")
    elif action is not None and action != "clear":
        errors.append(f"[ERROR] unsupported response_action: {action} "
                      "[json-pointer:/response_action]")
    return errors
