import subprocess
import sys

import hello_ds


def test_greet_uses_the_shipped_greeting():
    assert hello_ds.greet("Ada") == "Hello, Ada!"


def test_greeting_file_is_inside_the_package():
    assert "{name}" in hello_ds.greeting()


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-c", "from hello_ds.cli import main; main()", "Grace"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "Hello, Grace!"
