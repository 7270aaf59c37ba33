from pathlib import Path

from appraisal.settings import Settings
from shared import cli

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    cli.run(
        service_name="appraisal",
        settings_factory=Settings,
        app_path="appraisal.main:create_app",
        migrations_dir=MIGRATIONS_DIR,
    )
