"""Slack Block Kit JSON to safe HTML fragments, for the sandbox page that imitates Slack.

Pure and stdlib-only. Every piece of text is escaped on the way out, so no markup that came
from a block, a message or a view reaches the page. Interactive elements carry ``data-``
attributes (action id, block id, value, type, and the caller's context) that a small generic
script turns into Slack-like interaction payloads.
"""

from __future__ import annotations

import html
import re
from typing import Any

EMOJI = {
    "white_check_mark": "✅", "speech_balloon": "💬", "seedling": "🌱",
    "wastebasket": "\U0001f5d1\ufe0f", "lock": "🔒", "zzz": "💤",
    "double_vertical_bar": "\u23f8\ufe0f", "raised_hands": "🙌", "tada": "🎉", "bulb": "💡",
    "eyes": "👀", "thumbsup": "👍", "+1": "👍", "heart": "\u2764\ufe0f", "star": "⭐",
    "warning": "\u26a0\ufe0f", "x": "❌", "heavy_check_mark": "\u2714\ufe0f", "wave": "👋",
    "pray": "🙏", "clap": "👏", "rocket": "🚀", "fire": "🔥", "muscle": "💪", "smile": "😄",
    "slightly_smiling_face": "🙂", "sunny": "\u2600\ufe0f", "calendar": "📆", "memo": "📝",
    "chart_with_upwards_trend": "📈", "point_right": "👉", "busts_in_silhouette": "👥",
    "hourglass_flowing_sand": "⏳",
}
LINK_SCHEMES = ("http://", "https://", "mailto:")
SPECIAL_MENTIONS = ("here", "channel", "everyone")

_ENTITY = re.compile(r"&(amp|lt|gt);")
_CODE = re.compile(r"```\n?(.+?)```|`([^`\n]+)`", re.S)
_TOKEN = re.compile(r"<([^<>]*)>")
_HELD = re.compile("\ue000(\\d+)\ue001")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
_QUOTE, _BULLET, _NUMBER = re.compile(r"&gt; ?"), re.compile(r"(?:•|-) "), re.compile(r"\d+\. ")
_SELECTS = ("static_select", "overflow", "users_select")
_IMAGE_NAMES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


# *bold*, _italic_, ~strike~: the marks hug the words and do not sit inside a word
_SPANS = [(re.compile(rf"(?<![\w{m}]){m}(?!\s)([^{m}\n]+?)(?<!\s){m}(?![\w{m}])"), tag)
          for m, tag in ((r"\*", "b"), ("_", "i"), ("~", "s"))]


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _unslack(text: str) -> str:
    """Slack's three entities back to the characters they stand for (one pass)."""
    return _ENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m[1]], text)


def _emoji(escaped: str) -> str:
    return _EMOJI_CODE.sub(lambda m: EMOJI.get(m[1], m[0]), escaped)


def _attrs(pairs: dict[str, Any]) -> str:
    """` key="value"` pairs, escaped; None and False are left out, True is a bare attribute."""
    return "".join(f" {key}" if value is True else f' {key}="{_esc(value)}"'
                   for key, value in pairs.items() if value is not None and value is not False)


def _src(url: Any) -> str | None:
    """A URL fit for src/href here: site-relative or http(s); anything else is None."""
    url = str(url or "").strip()
    return url if url.startswith("/") or url.lower().startswith(LINK_SCHEMES[:2]) else None


def _raw(obj: Any) -> str:
    """The unrendered string of a text object (for attributes)."""
    return str(obj.get("text") or "") if isinstance(obj, dict) else str(obj or "")


def _mention(text: str) -> str:
    return f'<span class="mention">{_esc(text)}</span>'


def _token(inner: str, names: dict[str, str]) -> str:
    """One ``<...>`` of Slack markup: a mention, a link, or (unknown) the literal text."""
    target, _, label = inner.partition("|")
    label = _unslack(label)
    if target[:1] in "@#" and len(target) > 1:
        return _mention(target[0] + str(names.get(target[1:]) or label or target[1:]))
    if target.startswith("!"):
        word = target[1:].split("^")[0]
        if word in SPECIAL_MENTIONS:
            return _mention("@" + word)
        if label:
            return _mention(label) if word == "subteam" else _esc(label)
    if target.strip().lower().startswith(LINK_SCHEMES):
        url = _unslack(target.strip())
        return (f'<a{_attrs({"href": url, "target": "_blank", "rel": "noopener"})}>'
                f"{_esc(label or url)}</a>")
    return _esc(_unslack(f"<{inner}>"))


def _inline(escaped: str) -> str:
    out = _emoji(escaped)
    for pattern, tag in _SPANS:
        out = pattern.sub(rf"<{tag}>\1</{tag}>", out)
    return out


def _lines(lines: list[str]) -> str:
    """Group escaped lines into text, blockquotes and lists."""
    groups: list[tuple[str, list[str]]] = []
    for line in lines:
        kind, rest = "text", line
        for name, pattern in (("quote", _QUOTE), ("ul", _BULLET), ("ol", _NUMBER)):
            if match := pattern.match(line):
                kind, rest = name, line[match.end():]
                break
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(rest)
        else:
            groups.append((kind, [rest]))
    out = []
    for kind, items in groups:
        parts = [_inline(item) for item in items]
        if kind == "text":
            out.append("<br>".join(parts))
        elif kind == "quote":
            out.append("<blockquote>" + "<br>".join(parts) + "</blockquote>")
        else:
            out.append(f"<{kind}>" + "".join(f"<li>{p}</li>" for p in parts) + f"</{kind}>")
    return "".join(out)


def mrkdwn(text: str, names: dict[str, str] | None = None) -> str:
    """Slack mrkdwn (Slack-escaped: ``&amp; &lt; &gt;``) to HTML; all input text is escaped.

    Code, pre, links and mentions are rendered first and held aside, so the formatting
    marks (``*_~``), emoji shortcodes, quotes and lists apply only to the remaining text.
    ``names`` maps user and channel ids to the names shown in mentions.
    """
    names = names or {}
    held: list[str] = []

    def hold(fragment: str) -> str:
        held.append(fragment)
        return f"\ue000{len(held) - 1}\ue001"

    def code(m: re.Match[str]) -> str:
        if m[1] is not None:
            return hold(f"<pre>{_esc(_unslack(m[1]))}</pre>")
        return hold(f"<code>{_esc(_unslack(m[2]))}</code>")

    raw = str(text or "").replace("\ue000", "").replace("\ue001", "")
    raw = _CODE.sub(code, raw)
    raw = _TOKEN.sub(lambda m: hold(_token(m[1], names)), raw)
    body = _lines(html.escape(_unslack(raw)).split("\n"))
    return _HELD.sub(lambda m: held[int(m[1])], body)


def _text(obj: Any, names: dict[str, str] | None = None) -> str:
    if not isinstance(obj, dict):
        return _esc(obj) if isinstance(obj, str) else ""
    text = str(obj.get("text") or "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text, names)
    out = html.escape(text).replace("\n", "<br>")
    return out if obj.get("emoji") is False else _emoji(out)


def plain(text_obj: dict | None) -> str:
    """A ``plain_text`` or ``mrkdwn`` text object to HTML (emoji shortcodes rendered unless
    a plain_text object says ``"emoji": false``)."""
    return _text(text_obj)


def _options(el: dict) -> list[dict]:
    options = el.get("options") or [o for g in el.get("option_groups") or []
                                    for o in g.get("options") or []]
    return [o for o in options if isinstance(o, dict)]


def _initial(el: dict) -> set[str]:
    chosen = [el.get("initial_option"), *(el.get("initial_options") or [])]
    return {str(o["value"]) for o in chosen if isinstance(o, dict) and "value" in o}


class _Renderer:
    """Renders blocks and elements with one set of names and one interaction context."""

    def __init__(self, names: dict | None, context: dict | None, *, view: bool = False):
        self.names, self.view = names or {}, view
        keys = {k: re.sub(r"[^a-z0-9_-]", "", str(k).lower()) for k in context or {}}
        self.context = {f"data-{n}": (context or {})[k] for k, n in keys.items() if n}

    def text(self, obj: Any) -> str:
        return _text(obj, self.names)

    def blocks(self, blocks: Any) -> str:
        return "".join(self.block(b, i) for i, b in enumerate(blocks or []))

    def block(self, block: Any, index: int) -> str:
        kind = block.get("type") if isinstance(block, dict) else None
        block_id = str(block.get("block_id") or f"b{index}") if isinstance(block, dict) else ""
        inner = self.inner(kind, block, block_id)
        if inner is None:
            return f'<div class="block unknown">Unsupported block: {_esc(kind)}</div>'
        return f'<div class="block block-{kind}"{_attrs({"data-block-id": block_id})}>{inner}</div>'

    def inner(self, kind: Any, block: Any, block_id: str) -> str | None:
        """A block's content, or None for a type this renderer does not know."""
        match kind:
            case "header":
                return f'<h2 class="sk-header">{self.text(block.get("text"))}</h2>'
            case "divider":
                return "<hr>"
            case "markdown":
                return f'<div class="markdown">{_esc(block.get("text"))}</div>'
            case "section":
                return self.section(block, block_id)
            case "context":
                return "".join(
                    _image(el.get("image_url"), el.get("alt_text"), "sk-context-image")
                    if isinstance(el, dict) and el.get("type") == "image"
                    else f'<span class="sk-context-text">{self.text(el)}</span>'
                    for el in block.get("elements") or [])
            case "image":
                title = block.get("title")
                caption = f"<figcaption>{self.text(title)}</figcaption>" if title else ""
                return f"<figure>{_image(block.get('image_url'), block.get('alt_text'))}" \
                       f"{caption}</figure>"
            case "actions":
                return "".join(self.element(el, block_id) for el in block.get("elements") or [])
            case "input" if self.view:
                return self.input(block, block_id)
            case "rich_text":
                return self.rich_text(block)
        return None

    def section(self, block: dict, block_id: str) -> str:
        parts = []
        if block.get("text"):
            parts.append(f'<div class="sk-text">{self.text(block["text"])}</div>')
        if block.get("fields"):
            fields = "".join(f'<div class="sk-field">{self.text(f)}</div>' for f in block["fields"])
            parts.append(f'<div class="sk-fields">{fields}</div>')
        if isinstance(block.get("accessory"), dict):
            element = self.element(block["accessory"], block_id)
            parts.append(f'<div class="sk-accessory">{element}</div>')
        return "".join(parts)

    def input(self, block: dict, block_id: str) -> str:
        el = block.get("element") if isinstance(block.get("element"), dict) else {}
        label = self.text(block.get("label")) + (" (optional)" if block.get("optional") else "")
        grouped = el.get("type") in ("radio_buttons", "checkboxes")
        field_id = f"sk-{block_id}-{el.get('action_id', '')}"
        extra = {"aria-label": _raw(block.get("label"))} if grouped else {"id": field_id}
        head = _attrs({} if grouped else {"for": field_id})
        hint = f'<div class="hint">{self.text(block["hint"])}</div>' if block.get("hint") else ""
        error = f'<div class="error"{_attrs({"data-error-for": block_id})}></div>'
        return f"<label{head}>{label}</label> {self.element(el, block_id, extra)} {hint}{error}"

    def rich_text(self, block: dict) -> str:
        parts = []
        for sub in block.get("elements") or []:
            text = _esc(self.rich(sub)).replace("\n", "<br>")
            if isinstance(sub, dict) and sub.get("type") == "rich_text_section":
                parts.append(f'<span class="sk-rich-section">{text}</span>')
            else:
                parts.append(f'<div class="sk-rich-other">{text}</div>')
        return "".join(parts)

    def rich(self, node: Any) -> str:
        """The plain text of a rich_text element, its sub-elements included."""
        if not isinstance(node, dict):
            return ""
        kind, ident = node.get("type"), str(node.get("user_id") or node.get("channel_id") or "")
        if kind in ("user", "channel"):
            return ("@" if kind == "user" else "#") + str(self.names.get(ident) or ident)
        if kind == "emoji":
            return EMOJI.get(str(node.get("name")), f":{node.get('name')}:")
        if kind in ("text", "link", "broadcast", "date"):
            word = node.get("text") or node.get("url") or node.get("range") or node.get("fallback")
            return ("@" if kind == "broadcast" else "") + str(word or "")
        joiner = "\n" if kind == "rich_text_list" else ""
        return joiner.join(self.rich(n) for n in node.get("elements") or [])

    def element(self, el: Any, block_id: str, extra: dict | None = None) -> str:
        """One interactive (or image) element, with its data attributes."""
        el = el if isinstance(el, dict) else {}
        kind = el.get("type")
        if kind == "image":
            return _image(el.get("image_url"), el.get("alt_text"), "sk-image")
        data = {"data-action-id": el.get("action_id", ""), "data-block-id": block_id,
                "data-type": kind or ""}
        data |= {k: v for k, v in self.context.items() if k not in data} | (extra or {})
        name = f"{block_id}/{el.get('action_id', '')}"
        if kind == "button":
            style = el.get("style") if el.get("style") in ("primary", "danger") else None
            attrs = {"type": "button", "class": " ".join(filter(None, ["sk-button", style])),
                     **data, "data-value": el.get("value"), "data-url": _src(el.get("url")),
                     "aria-label": el.get("accessibility_label") or _raw(el.get("text"))}
            return f"<button{_attrs(attrs)}>{self.text(el.get('text'))}</button>"
        if kind in _SELECTS:
            return self.select(el, {"class": "sk-select", "name": name, **data})
        if kind in ("datepicker", "timepicker"):
            date = kind == "datepicker"
            attrs = {"type": "date" if date else "time", "class": f"sk-{kind}", "name": name,
                     **data, "value": el.get("initial_date" if date else "initial_time"),
                     "aria-label": _raw(el.get("placeholder")) or None}
            return f"<input{_attrs(attrs)}>"
        if kind == "plain_text_input":
            return self.text_input(el, {"class": "sk-text-input", "name": name, **data})
        if kind in ("radio_buttons", "checkboxes"):
            return self.choices(el, name, {"class": f"sk-{kind}", **data})
        return f'<span class="unknown">Unsupported element: {_esc(kind)}</span>'

    def select(self, el: dict, attrs: dict) -> str:
        kind = el.get("type")
        if kind == "users_select":  # the people among the names, by name
            people = sorted(((str(k), str(v)) for k, v in self.names.items()
                             if str(k).startswith(("U", "W"))), key=lambda p: p[1].lower())
            chosen = {str(el["initial_user"])} if el.get("initial_user") else set()
            options = [(c, _esc(c)) for c in chosen - {k for k, _ in people}]
            options += [(k, _esc(v)) for k, v in people]
        else:
            chosen = _initial(el)
            options = [(str(o.get("value", "")), self.text(o.get("text"))) for o in _options(el)]
        placeholder = _raw(el.get("placeholder")) or ("⋯" if kind == "overflow" else "Select…")
        selected = any(value in chosen for value, _ in options)
        items = [f'<option value="" disabled{"" if selected else " selected"}>'
                 f"{_esc(placeholder)}</option>"]
        items += [f"<option{_attrs({'value': v, 'selected': v in chosen})}>{label}</option>"
                  for v, label in options]
        return f"<select{_attrs(attrs)}>{''.join(items)}</select>"

    def text_input(self, el: dict, attrs: dict) -> str:
        initial, limit = str(el.get("initial_value") or ""), el.get("max_length")
        attrs |= {"maxlength": limit, "minlength": el.get("min_length"),
                  "placeholder": _raw(el.get("placeholder")) or None}
        if el.get("multiline"):
            control = f"<textarea{_attrs(attrs)}>{_esc(initial)}</textarea>"
        else:
            control = f"<input{_attrs({'type': 'text', **attrs, 'value': initial})}>"
        if limit:
            control += f'<span class="counter">{len(initial)}/{_esc(limit)}</span>'
        return control

    def choices(self, el: dict, name: str, attrs: dict) -> str:
        kind, chosen = ("radio" if el.get("type") == "radio_buttons" else "checkbox"), _initial(el)
        items = []
        for opt in _options(el):
            value = str(opt.get("value", ""))
            box = _attrs({"type": kind, "name": name, "value": value, "checked": value in chosen})
            desc = opt.get("description")
            note = f'<span class="sk-description">{self.text(desc)}</span>' if desc else ""
            items.append(f'<label class="sk-option"><input{box}> '
                         f"<span>{self.text(opt.get('text'))}</span>{note}</label>")
        return f"<fieldset{_attrs(attrs)}>{''.join(items)}</fieldset>"


def _image(url: Any, alt: Any, cls: str | None = None) -> str:
    src = _src(url)
    if src is None:
        return f'<span class="sk-image-missing">{_esc(alt)}</span>'
    return f"<img{_attrs({'class': cls, 'src': src, 'alt': alt or ''})}>"


def render_blocks(blocks: list[dict], *, names: dict | None = None,
                  context: dict | None = None) -> str:
    """Message blocks to HTML. ``names`` maps user/channel ids to names; ``context`` is added
    to every interactive element as ``data-KEY`` attributes (e.g. container, channel, ts).
    Unknown block types (and ``input`` outside a view) show a labelled placeholder; a block
    without a block_id gets ``b<index>``."""
    return _Renderer(names, context).blocks(blocks)


def render_view(view: dict, *, names: dict | None = None) -> dict:
    """A modal or home view to ``{"title", "submit", "close", "html"}`` (escaped HTML; submit
    and close are None when the view has none). A modal is a ``<form class="sk-view">``;
    a home view a ``<div class="sk-view sk-home">``. Its elements carry
    ``data-container="view"`` and, when the view has an id, ``data-view-id``."""
    view = view if isinstance(view, dict) else {}
    view_id = view.get("id")
    renderer = _Renderer(names, {"container": "view", "view-id": view_id}, view=True)
    body = renderer.blocks(view.get("blocks"))
    if view.get("type") == "home":
        page = f'<div class="sk-view sk-home"{_attrs({"data-view-id": view_id})}>{body}</div>'
    else:
        attrs = {"data-view-id": view_id or "", "data-callback-id": view.get("callback_id")}
        page = f'<form class="sk-view"{_attrs(attrs)}>{body}</form>'
    return {"title": plain(view.get("title")),
            "submit": plain(view["submit"]) if view.get("submit") else None,
            "close": plain(view["close"]) if view.get("close") else None, "html": page}


def _file(file: dict) -> str:
    name = str(file.get("name") or "")
    title, url = str(file.get("title") or name), _src(file.get("url"))
    mimetype = str(file.get("mimetype") or "")
    if mimetype.startswith("image/") or name.lower().endswith(_IMAGE_NAMES):
        img = f"<img{_attrs({'src': url, 'alt': file.get('alt_txt') or title})}>" if url else ""
        return f'<figure class="sk-file">{img}<figcaption>{_esc(title)}</figcaption></figure>'
    if url:
        link = {"class": "sk-file", "href": url, "target": "_blank", "rel": "noopener"}
        return f"<a{_attrs(link)}>{_esc(title)}</a>"
    return f'<span class="sk-file">{_esc(title)}</span>'


def render_message(message: dict, *, names: dict | None = None,
                   context: dict | None = None) -> str:
    """A stored message to HTML: its blocks, else its mrkdwn ``text``; then its ``files``
    (images as ``<figure>``, others as links; only site-relative or http(s) URLs are used)."""
    blocks = message.get("blocks")
    body = (render_blocks(blocks, names=names, context=context) if blocks
            else mrkdwn(message.get("text") or "", names))
    return body + "".join(_file(f) for f in message.get("files") or [] if isinstance(f, dict))
