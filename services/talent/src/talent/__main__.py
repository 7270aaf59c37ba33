from pathlib import Path

from shared import cli
from talent.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    cli.run(
        service_name="talent",
        settings_factory=Settings,
        app_path="talent.main:create_app",
        migrations_dir=MIGRATIONS_DIR,
    )
