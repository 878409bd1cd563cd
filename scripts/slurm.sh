#!/usr/bin/env bash
# A single-node Slurm for tests and CI, without systemd: install (Debian packages), start,
# stop. Needs root. Usage: scripts/slurm.sh install|start|stop|status
# Accounting (slurmdbd on a throwaway MariaDB, so sacct works) comes up too unless
# SLURM_ACCOUNTING=0; if it cannot, Slurm starts without it and says so.
set -euo pipefail
CONF=/etc/slurm/slurm.conf
DBD_CONF=/etc/slurm/slurmdbd.conf
LOGS=/var/log/slurm
ACCOUNTING=accounting_storage/none

install() {
  if command -v slurmctld >/dev/null && command -v munged >/dev/null; then return; fi
  apt-get update >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
}

# slurmdbd on MariaDB, both without systemd. The database is dropped each start, as the
# controller's state is; slurmdbd connects as MariaDB's root over its socket, so there is no
# password to keep.
start_accounting() {
  if ! command -v slurmdbd >/dev/null || ! command -v mariadbd >/dev/null; then
    apt-get update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      slurmdbd mariadb-server >/dev/null
  fi
  mkdir -p /run/mysqld "$LOGS" && chown mysql:mysql /run/mysqld
  if ! mariadb -e 'SELECT 1' >/dev/null 2>&1; then
    setsid mariadbd --user=mysql --socket=/run/mysqld/mysqld.sock \
      --pid-file=/run/mysqld/mysqld.pid --skip-networking >"$LOGS/mariadb.log" 2>&1 &
    for _ in $(seq 1 100); do
      mariadb -e 'SELECT 1' >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  mariadb -e 'DROP DATABASE IF EXISTS slurm_acct_db'
  cat >"$DBD_CONF" <<DBD
# written by scripts/slurm.sh
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
LogFile=${LOGS}/slurmdbd.log
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
DBD
  chmod 600 "$DBD_CONF"
  alive /run/slurmdbd.pid && kill "$(cat /run/slurmdbd.pid)" && sleep 1
  slurmdbd
  for _ in $(seq 1 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/6819) 2>/dev/null; then
      ACCOUNTING=accounting_storage/slurmdbd
      return
    fi
    sleep 0.1
  done
  return 1
}

write_conf() {
  local host
  host=$(hostname -s)
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd "$LOGS"
  cat >"$CONF" <<CONF
# written by scripts/slurm.sh
ClusterName=ci
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MailProg=/bin/true
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=${LOGS}/slurmctld.log
SlurmdLogFile=${LOGS}/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# CPU time per job (sacct TotalCPU), read from /proc as a site without cgroups would.
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=${ACCOUNTING}
AccountingStorageHost=localhost
JobCompType=jobcomp/filetxt
JobCompLoc=${LOGS}/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,bf_interval=1
KillWait=5
InactiveLimit=0
SlurmdParameters=config_overrides
MaxArraySize=100001
MaxJobCount=20000
NodeName=${host} NodeAddr=127.0.0.1 CPUs=8 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  install
  mkdir -p /run/munge && chown munge:munge /run/munge && chmod 0755 /run/munge
  alive /run/munge/munged.pid || runuser -u munge -- /usr/sbin/munged
  munge -n | unmunge >/dev/null
  if [[ ${SLURM_ACCOUNTING:-1} != 0 ]] && ! start_accounting; then
    echo "!!!! slurm: accounting (slurmdbd) could not start; sacct will not work; logs in $LOGS !!!!" >&2
  fi
  write_conf
  # A fresh state each start: job ids restart at 1, no jobs of an earlier run.
  rm -rf /var/spool/slurmctld/* /var/spool/slurmd/*
  alive /run/slurmctld.pid || slurmctld
  alive /run/slurmd.pid || slurmd
  for _ in $(seq 1 100); do
    if [[ $(sinfo -h -o %T 2>/dev/null) == idle* ]]; then
      echo "slurm: up ($(sinfo -h -o '%P %D %T'); ${ACCOUNTING})"
      return
    fi
    sleep 0.1
  done
  echo "slurm: the node did not become idle; logs in $LOGS" >&2
  tail -20 "$LOGS/slurmctld.log" "$LOGS/slurmd.log" >&2 || true
  exit 1
}

stop() {
  scancel --full --quiet -u root 2>/dev/null || true
  for pid in /run/slurmd.pid /run/slurmctld.pid /run/slurmdbd.pid /run/mysqld/mysqld.pid; do
    alive "$pid" && kill "$(cat "$pid")" || true
  done
  for _ in $(seq 1 50); do
    alive /run/slurmd.pid || alive /run/slurmctld.pid || alive /run/mysqld/mysqld.pid || break
    sleep 0.1
  done
  alive /run/munge/munged.pid && kill "$(cat /run/munge/munged.pid)" || true
  echo "slurm: stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) sinfo ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
