"""Settings precedence: defaults < settings.yaml < environment < command line."""

from pathlib import Path

import pytest

from config import load_settings


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.yaml").write_text(text, encoding="utf-8")
    return folder


def test_defaults_without_any_config(tmp_path: Path) -> None:
    settings = load_settings({"config_dir": tmp_path}, environ={})
    assert settings.data_dir == Path("var")
    assert settings.es_port == 9200
    assert settings.managed_es and settings.es_endpoint == "http://127.0.0.1:9200"
    assert settings.database_url.startswith("sqlite:///")


def test_file_then_environment_then_options_win(tmp_path: Path) -> None:
    conf = write(tmp_path / "conf", "es_port: 9301\nindex_prefix: fromfile-\nmin_text_chars: 10\n")
    env = {"LABOURWATCH_CONFIG": str(conf), "LABOURWATCH_ES_PORT": "9302",
           "LABOURWATCH_DATA_DIR": str(tmp_path / "envdata")}
    settings = load_settings({}, environ=env)
    assert settings.es_port == 9302  # environment beats the file
    assert settings.index_prefix == "fromfile-"  # the file beats the default
    assert settings.min_text_chars == 10
    assert settings.data_dir == tmp_path / "envdata"
    settings = load_settings({"es_port": 9303, "data_dir": tmp_path / "cli"}, environ=env)
    assert settings.es_port == 9303 and settings.data_dir == tmp_path / "cli"


def test_es_url_means_no_managed_node(tmp_path: Path) -> None:
    env = {"LABOURWATCH_CONFIG": str(tmp_path), "LABOURWATCH_ES_URL": "https://es.example:9200",
           "LABOURWATCH_ES_API_KEY": "k3y"}
    settings = load_settings({}, environ=env)
    assert not settings.managed_es
    assert settings.es_endpoint == "https://es.example:9200"
    assert settings.es_api_key == "k3y"


def test_secrets_in_files_are_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    conf = write(tmp_path, "es_password: hunter2\nes_api_key: abc\n")
    settings = load_settings({"config_dir": conf}, environ={})
    assert settings.es_password is None and settings.es_api_key is None
    assert "LABOURWATCH_ES_PASSWORD" in caplog.text


def test_unknown_setting_is_a_clear_error(tmp_path: Path) -> None:
    conf = write(tmp_path, "es_prot: 9200\n")
    with pytest.raises(ValueError, match="unknown setting 'es_prot'"):
        load_settings({"config_dir": conf}, environ={})


def test_data_files_fall_back_to_the_shipped_config(tmp_path: Path) -> None:
    settings = load_settings({"config_dir": tmp_path}, environ={})
    assert settings.config_file("gazetteer/outlets.yaml").exists()
