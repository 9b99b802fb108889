"""The CLI shell: every command is reachable whichever module registers it."""

import pytest

from wattprint.cli import main


@pytest.mark.parametrize("command", sorted(main.COMMAND_OWNERS))
def test_each_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main.run([command, "--help"])
    assert e.value.code == 0
    assert "Usage" in capsys.readouterr().out


def test_every_module_registers():
    main.build_app([])
    assert set(main.COMMAND_MODULES) <= main._registered
    assert set(main.COMMAND_OWNERS.values()) <= set(main.COMMAND_MODULES)


def test_unknown_command_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main.run(["frobnicate"])
    assert e.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
