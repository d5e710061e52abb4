"""Settings from the environment and ``.env``, read and validated once at start."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_CONFIG = "config/leadbot.yaml"
DEFAULT_DB = "data/leadbot.db"


class SettingsError(Exception):
    """One or more settings are missing or malformed; each is named, no secret is printed."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Settings:
    """What the process needs from its environment."""

    bot_token: str | None
    app_token: str | None
    signing_secret: str | None
    api_url: str
    config_path: Path
    db_path: Path

    def problems(self) -> list[str]:
        """Every malformed value, without printing any secret."""
        out = []
        if self.bot_token is not None and not self.bot_token.startswith("xoxb-"):
            out.append("SLACK_BOT_TOKEN does not start with 'xoxb-': use the app's Bot User "
                       "OAuth Token (OAuth & Permissions)")
        if self.app_token is not None and not self.app_token.startswith("xapp-"):
            out.append("SLACK_APP_TOKEN does not start with 'xapp-': use an app-level token "
                       "with the connections:write scope (Basic Information)")
        if self.signing_secret is not None and not re.fullmatch(r"[0-9a-fA-F]{16,}",
                                                                self.signing_secret):
            out.append("SLACK_SIGNING_SECRET is not a hexadecimal secret: copy the Signing "
                       "Secret from Basic Information")
        if not re.match(r"^https?://[^\s/]+", self.api_url):
            out.append("SLACK_API_URL is not an http(s) URL (default: https://slack.com/api/)")
        return out

    def require(self, *names: str) -> None:
        """Raise SettingsError naming every missing or malformed setting among ``names``."""
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
        }
        missing = [f"{name} is not set" for name in names if not values.get(name)]
        if missing or self.problems():
            raise SettingsError(missing + self.problems())


def load_settings(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> Settings:
    """Read settings from ``environ``, falling back to ``env_file``; the environment wins."""
    values: dict[str, str | None] = {}
    if env_file is not None and env_file.is_file():
        values.update(dotenv_values(env_file))
    values.update({k: v for k, v in environ.items() if k.startswith(("SLACK_", "LEADBOT_"))})

    def get(name: str) -> str | None:
        value = values.get(name)
        value = value.strip() if isinstance(value, str) else None
        return value or None

    api_url = get("SLACK_API_URL") or DEFAULT_API_URL
    if not api_url.endswith("/"):
        api_url += "/"  # slack_sdk joins method names onto the base URL
    return Settings(
        bot_token=get("SLACK_BOT_TOKEN"),
        app_token=get("SLACK_APP_TOKEN"),
        signing_secret=get("SLACK_SIGNING_SECRET"),
        api_url=api_url,
        config_path=Path(get("LEADBOT_CONFIG") or DEFAULT_CONFIG),
        db_path=Path(get("LEADBOT_DB") or DEFAULT_DB),
    )
