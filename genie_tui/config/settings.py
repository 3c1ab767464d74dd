"""Settings: CLI flags > environment > repo ``.genie/config.toml`` > user ``config.toml`` > defaults.

Every field is documented in its ``doc`` metadata so ``genie config show`` (and the README table) can say what
it means and where its value came from.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, get_args

from genie_tui.config.key_line import byte_position, line_of
from genie_tui.config.paths import user_config_dir
from genie_tui.config.search_url import search_url_secrets, shown_search_url
from genie_tui.config.urls import display_url, url_problem, url_secrets
from genie_tui.errors import ConfigError

ApproveMode = Literal["ask", "auto", "never"]
CommitMode = Literal["off", "each", "end"]

SECRET_FIELDS = frozenset({"api_key", "embeddings_api_key"})
URL_FIELDS = frozenset({"base_url", "embeddings_base_url"})
INTERNAL = frozenset({"sources", "hidden_secrets"})  # Settings fields that are no settings
#: environment variables per field, first match wins
ENV_VARS: dict[str, tuple[str, ...]] = {
    "model": ("GENIE_MODEL",),
    "base_url": ("GENIE_BASE_URL", "OPENAI_BASE_URL"),
    "api_key": ("GENIE_API_KEY", "OPENAI_API_KEY"),
    "max_file_bytes": ("GENIE_INDEX_MAX_BYTES",),
    "index_workers": ("GENIE_INDEX_WORKERS",),
}


def _f(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass
class Settings:
    """Effective configuration. ``sources`` maps each field to where its value came from."""

    model: str = _f("gpt-4.1-mini", "Model name sent to the endpoint (see `genie models`).")
    base_url: str | None = _f(None, "OpenAI-compatible endpoint; unset means api.openai.com. Ollama: http://localhost:11434/v1")
    api_key: str | None = _f(None, "API key (env GENIE_API_KEY or OPENAI_API_KEY; never stored in a trajectory).")
    approve: str = _f("ask", "Patch approval: ask, auto (apply what applies) or never (only print the diff).")
    max_steps: int = _f(40, "Step budget: model turns per run (a genie run or resume, or one message in the app).")
    context_budget: int = _f(60_000, "Token budget per request; older tool output is elided past it.")
    timeout: float = _f(120.0, "Seconds to wait for the model before a retry.")
    max_retries: int = _f(4, "Retries of a failed or cut-off model turn (429, 5xx, timeouts, dropped streams).")
    backoff_base: float = _f(1.0, "First retry delay in seconds; doubles each retry, with jitter.")
    test_command: str | None = _f(None, "Test command; unset (or blank) means detected (pytest, npm test, go test, cargo test, ...).")
    test_timeout: float = _f(600.0, "Seconds before a test run is stopped.")
    commit: str = _f("off", "Commit applied patches (genie's changes only, never your own edits) on branch "
                          "genie/<task>: off, each (every patch) or end.")
    theme: str | None = _f(None, "UI theme: genie-dark, genie-light, genie-contrast or one of yours.")
    playbook_budget: int = _f(3000, "Tokens of active playbooks put in the system prompt (at most a fifth of "
                              "context_budget); the rest is listed by name.")
    max_file_bytes: int = _f(1_000_000, "Files larger than this are not indexed or read whole.")
    index_workers: int = _f(0, "Processes that parse files while a large index is built: 0 is one per core "
                            "(at most 4; never more than the cores), 1 parses in genie's own process.")
    web_search_url: str = _f("https://html.duckduckgo.com/html/?q={query}",
                             "Search endpoint for web_search; {query} is replaced. JSON (SearxNG) or HTML results.")
    web_allow_hosts: str = _f("", "Internal hosts (loopback, private, link-local) browse_url may fetch, comma-separated host or host:port (localhost:8000, [::1]:8000); * allows all. Others are refused.")
    embeddings_model: str | None = _f(None, "Embeddings model; setting it turns semantic search on (text-embedding-3-small; Ollama: nomic-embed-text).")
    embeddings_base_url: str | None = _f(None, "Embeddings endpoint (default: base_url).")
    embeddings_api_key: str | None = _f(None, "Embeddings API key (default: api_key).")
    embeddings_hypothetical: bool = _f(True, "Hypothetical-code queries: with embeddings on, the chat model writes the code it expects to find, embedded with the query (one short chat request per search).")
    price_input_per_mtok: float | None = _f(None, "Price per million prompt tokens, to show cost.")
    price_output_per_mtok: float | None = _f(None, "Price per million completion tokens, to show cost.")
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # keys and URL credentials configured but not in use (OPENAI_API_KEY under GENIE_API_KEY, a config file's key
    # under the environment's): never written either, though no request carries them (a task may read a .env)
    hidden_secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def model_configured(self) -> bool:
        """True when genie has somewhere to send requests: an API key or an explicit endpoint."""
        return bool(self.api_key or self.base_url)

    def public_dict(self) -> dict[str, Any]:
        """Values without secrets (for trajectories and logs)."""
        return {f.name: shown_value(f.name, getattr(self, f.name)) for f in fields(self) if f.name not in INTERNAL}

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never be written anywhere: keys, and credentials embedded in URLs."""
        found = [s for s in (self.api_key, self.embeddings_api_key, *self.hidden_secrets) if s]
        for url in (self.base_url, self.embeddings_base_url):
            found.extend(url_secrets(url))
        found.extend(search_url_secrets(self.web_search_url))
        return tuple(found)


def shown_value(name: str, value: Any) -> Any:
    """A setting as it may be shown or stored: keys redacted, URLs without user info or query."""
    if value and name in SECRET_FIELDS:
        return "<redacted>"
    if value and name in URL_FIELDS:
        return display_url(value)
    if value and name == "web_search_url":
        return shown_search_url(value)
    return value


_FIELDS = {f.name: f for f in fields(Settings) if f.name not in INTERNAL}
_CHOICES = {"approve": get_args(ApproveMode), "commit": get_args(CommitMode)}


_WRONG = object()


def _kind(name: str) -> str:
    """What a field's value must be, for messages."""
    default = _FIELDS[name].default
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float) or name.startswith("price_"):
        return "a number"
    return "a string"


def _typed(name: str, value: Any) -> Any:
    """``value`` as its field's type (TOML gives integers for floats, the environment gives strings), or _WRONG."""
    kind = _kind(name)
    if kind == "true or false":
        return value if isinstance(value, bool) else _WRONG
    if isinstance(value, bool):  # a bool is an int to Python: `timeout = true` became 1.0
        return _WRONG
    try:
        if kind == "an integer":
            value = int(value) if isinstance(value, str) else value
            return value if isinstance(value, int) else _WRONG
        if kind == "a number":
            value = float(value) if isinstance(value, (str, int)) else value
            return value if isinstance(value, float) else _WRONG
    except ValueError:
        return _WRONG
    except OverflowError:  # an integer too big for a float
        return math.inf
    return value if isinstance(value, str) else _WRONG


def _coerce(name: str, value: Any, origin: str) -> Any:
    if value is None:
        return None
    typed = _typed(name, value)
    if typed is _WRONG:
        # a key or a URL with credentials in it may be right but misquoted: never repeat it
        shown = "" if name in SECRET_FIELDS | URL_FIELDS else f", not {value!r}"
        raise ConfigError(f"{origin}: {name} has the wrong type: expected {_kind(name)}{shown}")
    value = typed
    if isinstance(value, float) and not math.isfinite(value):  # NaN compares false with every bound below
        raise ConfigError(f"{origin}: {name} must be a finite number, not {value!r}")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(f"{origin}: {name} must be one of {', '.join(_CHOICES[name])}, not {value!r}")
    if name in ("max_steps", "max_file_bytes", "timeout", "test_timeout") and value <= 0:
        raise ConfigError(f"{origin}: {name} must be positive")
    if (name in ("max_retries", "backoff_base", "playbook_budget", "index_workers") or name.startswith("price_")) and value < 0:
        raise ConfigError(f"{origin}: {name} must not be negative")
    if name in ("model", "embeddings_model") and model_name_problem(value):
        raise ConfigError(f"{origin}: {name} {model_name_problem(value)}")
    if name in SECRET_FIELDS and not (value.isascii() and value.isprintable() and value.strip() == value != ""):
        # an HTTP header carries it: a pasted newline or a curly quote failed every request with a codec error
        raise ConfigError(f"{origin}: {name} must be printable ASCII with no spaces around it (the value is not shown)")
    if isinstance(value, str) and "\x00" in value:  # no command, path or name holds one: it failed only when used
        raise ConfigError(f"{origin}: {name} must not contain a NUL character")
    if name == "context_budget" and value < 2000:
        raise ConfigError(f"{origin}: context_budget must be at least 2000 tokens (the system prompt alone needs ~1000)")
    if name in URL_FIELDS:
        problem = url_problem(value)
        if problem:
            raise ConfigError(f"{origin}: {name} {problem}")
    if name == "web_allow_hosts":
        for entry in (e.strip() for e in value.split(",")):
            if not _port_ok(entry):
                raise ConfigError(f"{origin}: web_allow_hosts entry {entry!r} has an invalid port (a port is 1 to "
                                  "65535)")
    return value


def _port_ok(entry: str) -> bool:
    """An allowed host's port, if it has one (``host:port``, ``[v6]:port``; a bare IPv6 address has none), is 1 to
    65535 in ASCII digits: an entry with ``:٣`` or ``:x`` would allow nothing, silently."""
    if entry.startswith("["):
        rest = entry.partition("]")[2]
        port = rest[1:] if rest.startswith(":") else None
    else:
        port = entry.partition(":")[2] if entry.count(":") == 1 else None
    return port is None or (port.isascii() and port.isdigit() and 0 < int(port) < 65536)


def model_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a model's name (it goes into every request and onto the screen), or None."""
    if not name.strip():
        return "must not be empty"
    if not name.isprintable():  # a pasted newline, escape sequence or NUL would be sent to the endpoint as is
        return "must be printable (no control characters)"
    if " " in name:  # "gpt 4o", "gpt-4o " (a paste): every request would fail as an unknown model
        return "must have no spaces (model ids such as llama3:8b or org/model have none)"
    return None


#: A config file is a page of settings; a larger one is refused unread (``/dev/zero`` never ends)
CONFIG_BYTES = 1_000_000


def read_toml(path: Path, *, allow_secrets: bool, root: Path | None = None) -> dict[str, Any]:
    """Read one config file; a syntax error or unknown key is a one-line ConfigError naming file and line.
    Only a regular file is read (a named pipe or a device is refused unopened), and at most ``CONFIG_BYTES``.
    With ``root`` (a repository's own config), a symlink that leads outside that repository is refused."""
    from genie_tui.reading import NotRegularFile, TooLarge, read_regular

    if root is not None and os.path.lexists(path) and not _inside(path, root):
        raise ConfigError(f"config file {path}: a symlink to outside the repository; genie does not read it")
    try:
        raw = read_regular(path, CONFIG_BYTES)
    except FileNotFoundError:
        return {}
    except (NotRegularFile, TooLarge) as exc:
        raise ConfigError(f"config file {path}: {exc.strerror}; genie does not read it") from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read ({exc.strerror or exc})") from None
    text = raw.removeprefix(b"\xef\xbb\xbf")  # a byte order mark, as Windows editors write, is no error
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path}:{byte_position(text, exc.start)}: not UTF-8 "
                          f"(byte 0x{text[exc.start]:02x}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: invalid TOML: {exc}") from None
    except RecursionError:  # `x = [[[…` a repository's config holds: it was a traceback of every command
        raise ConfigError(f"config file {path}: invalid TOML: nested too deeply") from None
    for key in data:
        if key not in _FIELDS:
            raise ConfigError(f"config file {path}:{_line_of(raw, key)}: unknown key {key!r}")
        if key in SECRET_FIELDS and not allow_secrets:
            raise ConfigError(f"config file {path}:{_line_of(raw, key)}: {key} does not belong in a repository; "
                              "set it in the environment or your user config")
        if key == "web_allow_hosts" and not allow_secrets:  # a repository must not open your network to fetches
            raise ConfigError(f"config file {path}:{_line_of(raw, key)}: web_allow_hosts does not belong in a "
                              "repository: it lets the agent fetch from your internal network; set it in your user config")
        if key == "approve" and data[key] == "auto" and not allow_secrets:  # nor run what the model makes up
            raise ConfigError(f"config file {path}:{_line_of(raw, key)}: approve = \"auto\" does not belong in a "
                              "repository: it applies patches and runs commands the model makes up without asking "
                              "you; pass --approve auto or set it in your user config")
    return {k: _coerce(k, v, f"config file {path}:{_line_of(raw, k)}") for k, v in data.items()}


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symlinks followed, is under ``root``; one that cannot be resolved (a loop) counts as
    inside: reading it fails anyway, with its own reason."""
    try:
        real, top = path.resolve(), root.resolve()
    except (OSError, RuntimeError):
        return True
    return top in real.parents


def _line_of(raw: bytes, key: str) -> int:
    return line_of(raw.decode("utf-8-sig"), key)


def user_config_file() -> Path:
    return user_config_dir() / "config.toml"


def repo_config_file(repo: Path) -> Path:
    return repo / ".genie" / "config.toml"


_MODEL_FIELDS = frozenset({"model", "base_url", "api_key"})


def load_settings(repo: Path | None, overrides: dict[str, Any] | None = None, *,
                  check_endpoints: bool = True, model_needed: bool = True) -> Settings:
    """Merge every layer; ``overrides`` are CLI flags (``None`` values are ignored). ``check_endpoints``
    false skips the refusal of a repository-chosen endpoint for the user's key (``genie config show``
    shows the values, then the problem, via :func:`endpoint_problem`). ``model_needed`` false (code search,
    the index) ignores a bad model, endpoint or key in the environment, which other tools share
    (``OPENAI_API_KEY``), instead of refusing to search."""
    settings = Settings()
    sources = {name: "default" for name in _FIELDS}
    layers: list[tuple[str, dict[str, Any]]] = [
        (f"user {user_config_file()}", read_toml(user_config_file(), allow_secrets=True)),
    ]
    if repo is not None:
        layers.append((f"repo {repo_config_file(repo)}",
                       read_toml(repo_config_file(repo), allow_secrets=False, root=repo)))
    env_layer: dict[str, Any] = {}
    env_sources: dict[str, str] = {}
    for name, names in ENV_VARS.items():
        for var in names:
            if os.environ.get(var):
                try:
                    env_layer[name] = _coerce(name, os.environ[var], f"env {var}")
                except ConfigError:
                    if model_needed or name not in _MODEL_FIELDS:
                        raise
                    break
                env_sources[name] = f"env {var}"
                break
    cli_layer = {k: _coerce(k, v, f"--{k.replace('_', '-')}") for k, v in (overrides or {}).items()
                 if v is not None and k in _FIELDS}
    for origin, layer in (*layers, ("env", env_layer), ("flag", cli_layer)):
        for key, value in layer.items():
            setattr(settings, key, value)
            sources[key] = env_sources.get(key, origin) if origin == "env" else (
                f"flag --{key.replace('_', '-')}" if origin == "flag" else origin)
    settings.sources = sources
    settings.hidden_secrets = _configured_secrets((*(layer for _, layer in layers), cli_layer))
    if check_endpoints:
        _check_repo_endpoints(settings)
    return settings


def _configured_secrets(layers: tuple[dict[str, Any], ...]) -> tuple[str, ...]:
    """Every key and URL credential of the config files (``layers``), the flags and the environment, used or not."""
    pairs = [(k, v) for layer in layers for k, v in layer.items()]
    pairs += [(name, os.environ.get(var)) for name in ("api_key", "base_url") for var in ENV_VARS[name]]
    found: list[str] = []
    for k, v in pairs:
        if isinstance(v, str) and v:
            found += [v] if k in SECRET_FIELDS else url_secrets(v) if k in URL_FIELDS else \
                search_url_secrets(v) if k == "web_search_url" else []
    return tuple(dict.fromkeys(found))


def endpoint_problem(settings: Settings) -> str | None:
    """Why these settings would be refused by :func:`load_settings` (a repository choosing where your key
    goes), or None."""
    try:
        _check_repo_endpoints(settings)
    except ConfigError as exc:
        return str(exc)
    return None


def _check_repo_endpoints(settings: Settings) -> None:
    """A repository may name a keyless local endpoint, but it may not choose where the user's key is sent."""
    for url_field, key_field in (("base_url", "api_key"), ("embeddings_base_url", "embeddings_api_key")):
        from_repo = settings.sources[url_field].startswith("repo ")
        key = getattr(settings, key_field) or (settings.api_key if key_field == "embeddings_api_key" else None)
        if from_repo and key:
            origin = settings.sources[url_field][len("repo "):]
            where = "with --base-url, GENIE_BASE_URL or in your user config" if url_field == "base_url" \
                else "in your user config"
            raise ConfigError(
                f"config file {origin}: {url_field} is set by the repository, and genie will not send your API key "
                f"to an endpoint a repository chose; set it {where}")
