@echo off
rem Double-click to set up and start the Data Importer and every service (all logic is in launch.py).
rem Arguments pass through: --dev opens the Dagster UI for administrators, --no-browser opens nothing.
setlocal
cd /d "%~dp0"
where py >nul 2>nul && (set "PY=py -3") || (set "PY=python")
%PY% --version >nul 2>nul || (
  echo Python 3.11 or newer is needed. Install it from https://www.python.org/downloads/
  echo and tick "Add Python to PATH" on the installer's first screen, then start again.
  pause
  exit /b 1
)
%PY% launch.py %*
set "STATUS=%errorlevel%"
if not "%STATUS%"=="0" pause
exit /b %STATUS%
