@echo off
rem Developer tool: build DataImporter-Setup.exe with Windows IExpress.
rem The payload and installer_config.sed are written by Python (elt_project\launcher\installer.py).
setlocal
cd /d "%~dp0"
where py >nul 2>nul && (set "PY=py -3") || (set "PY=python")
%PY% --version >nul 2>nul || (
  echo Python 3.11 or newer is needed. Install it from python.org and tick "Add Python to PATH".
  exit /b 1
)
%PY% -m elt_project.launcher.installer build || exit /b 1
iexpress /N /Q installer_config.sed || (
  echo IExpress failed; it ships with Windows as %%SystemRoot%%\System32\iexpress.exe.
  exit /b 1
)
echo Built dist\installer\DataImporter-Setup.exe
