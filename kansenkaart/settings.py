"""Settings in one typed place, read from the environment with the ``KANSENKAART_`` prefix.

Nothing else in the package reads the environment. Call :func:`get_settings` at the edges
(CLI, API start-up) and pass values down as arguments.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Runtime settings.

    Every field can be set as an environment variable ``KANSENKAART_<NAME>``, e.g.
    ``KANSENKAART_WORKSPACE=/data/gv``.
    """

    model_config = SettingsConfigDict(env_prefix="KANSENKAART_", env_file=None, extra="ignore")

    workspace: Path = Field(
        default=Path("werkruimte"),
        description="Default workspace directory (a folder holding kansenkaart.gpkg).",
    )
    lezen_zonder_login: bool = Field(default=False, description="Allow reading layers and the map without logging in.")
    secret_key: str | None = Field(
        default=None,
        description="Secret for signing session cookies; generated and stored in the workspace if unset.",
    )
    cookie_secure: bool = Field(default=True, description="Send session cookies only over HTTPS.")
    max_body_bytes: int = Field(default=5_000_000, ge=1_000, description="Maximum request body size.")
    max_page_limit: int = Field(default=10_000, ge=1, le=100_000, description="Maximum items per page.")
    max_import_features: int = Field(default=50_000, ge=1, description="Maximum features per import.")
    max_vertices: int = Field(default=10_000, ge=4, description="Maximum vertices per geometry.")
    login_pogingen_per_minuut: int = Field(default=10, ge=1, description="Login attempts per minute per user/IP.")
    max_snap_m: float = Field(default=250.0, gt=0, description="Maximum snapping distance to the network (m).")
    overpass_url: str = Field(default="https://overpass-api.de/api", description="Overpass API endpoint used by osmnx.")
    pdok_wfs_url: str = Field(
        default="https://service.pdok.nl/cbs/wijkenbuurten/2023/wfs/v1_0",
        description="PDOK CBS wijken-en-buurten WFS endpoint.",
    )
    cache_dir: Path | None = Field(default=None, description="Download cache; default <workspace>/cache.")

    @field_validator("workspace", "cache_dir", mode="before")
    @classmethod
    def _expand(cls, v: object) -> object:
        if isinstance(v, str) and v:
            return Path(v).expanduser()
        return v


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
