import sys
from pathlib import Path

from shared import cli
from talent.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    if sys.argv[1:2] == ["replay"]:
        # Talent's own command beside the shared ones: rebuild the projections from the topics.
        from talent.replay.cli import main as replay_main

        sys.exit(replay_main(sys.argv[2:]))
    cli.run(
        service_name="talent",
        settings_factory=Settings,
        app_path="talent.main:create_app",
        migrations_dir=MIGRATIONS_DIR,
    )
