// SPDX-License-Identifier: MIT OR Apache-2.0
//
// The contract between init and ktest: where init puts ktest's capabilities. Shared by
// services/init/suite.c (which builds it) and the ktest runner (which relies on it), so the
// two cannot drift apart. ktest's root CNode has 2^KT_CNODE_BITS slots and a guard that
// makes every handle a plain slot number. Start registers: RDI the first Untyped slot,
// RSI the IPC buffer address, RDX the number of Untyped caps.
#ifndef KTEST_LAYOUT_H
#define KTEST_LAYOUT_H

#include <kozo_abi.h>

#define KT_CNODE_BITS     12                          // 4096 slots
#define KT_SLOT_EP        KOZO_SERVICE_ARG_EP_SLOT    // 1: init waits here for the result
#define KT_SLOT_CNODE     KOZO_SLOT_INIT_CNODE        // 2: ktest's own root CNode (guarded)
#define KT_SLOT_VSPACE    KOZO_SLOT_INIT_VSPACE       // 3: ktest's address space
#define KT_SLOT_TCB       4                           // ktest's own thread
#define KT_SLOT_IRQ_CONTROL    KOZO_SLOT_IRQ_CONTROL    // 6: a copy of init's
#define KT_SLOT_IOPORT_CONTROL KOZO_SLOT_IOPORT_CONTROL // 7: a copy of init's
#define KT_SLOT_DEBUG_CONSOLE  KOZO_SLOT_DEBUG_CONSOLE // 8: a copy of init's (SERVICE_DEBUG_CONSOLE_SLOT)
#define KT_SLOT_DEVICE_UNTYPED 9                      // device (MMIO) Untyped, if init has one
#define KT_DEVICE_MIN_BITS 22                         // room for 2 MiB frames after small ones
#define KT_SLOT_BOOTINFO  10                          // a read-only copy of init's boot-info frame
#define KT_SLOT_HPET_UNTYPED 11                       // the device Untyped holding the HPET, if any
#define KT_HPET_PADDR     0xfed00000ULL               // the HPET of QEMU's q35 and pc machines
#define KT_SLOT_ASID_CONTROL 12                       // a copy of init's ASID control cap
#define KT_SLOT_ASID_POOL 13                          // an ASID pool of the suite's own
#define KT_SLOT_UNTYPED   KOZO_SLOT_FIRST_UNTYPED     // 16: the Untyped memory, RDX caps of it
#define KT_PRIORITY       200                         // below init (255), above fsd (100)
#define KT_POOL_MAX_BITS  26                          // init hands over at most 64 MiB

#endif
