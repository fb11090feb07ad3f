"""git runs with a hardened environment built from nothing but what trueup decides."""

from __future__ import annotations

from pathlib import Path

from trueup.source.gitcmd import GitSettings, git_environment
from trueup.source.session import ssh_command


def config_of(env: dict[str, str]) -> dict[str, str]:
    count = int(env["GIT_CONFIG_COUNT"])
    return {env[f"GIT_CONFIG_KEY_{i}"]: env[f"GIT_CONFIG_VALUE_{i}"] for i in range(count)}


def test_only_the_allowed_protocols_are_enabled_and_no_user_config_is_read() -> None:
    env = git_environment(GitSettings(home=Path("/scratch"), allowed_protocols=("https",)))
    config = config_of(env)
    assert config["protocol.allow"] == "never"
    assert config["protocol.https.allow"] == "always"
    assert config["protocol.ext.allow"] == "never"
    assert "protocol.file.allow" not in config
    assert config["http.followRedirects"] == "false"
    assert env["GIT_ALLOW_PROTOCOL"] == "https"
    assert env["GIT_TERMINAL_PROMPT"] == "0"
    assert env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert env["GIT_CONFIG_GLOBAL"] == "/dev/null"
    assert env["HOME"] == "/scratch"
    assert "SSH_AUTH_SOCK" not in env
    assert "GIT_ASKPASS" not in env


def test_the_ssh_command_pins_the_key_and_the_known_hosts_and_quotes_paths() -> None:
    command = ssh_command(Path("/tmp/a b/id"), Path("/tmp/a b/known_hosts"), timeout=30)
    assert "-i '/tmp/a b/id'" in command
    assert "'UserKnownHostsFile=/tmp/a b/known_hosts'" in command
    for option in ("IdentitiesOnly=yes", "StrictHostKeyChecking=yes", "BatchMode=yes"):
        assert option in command
    assert command.startswith("ssh -F /dev/null ")
