//! ICMP errors for the signalling socket. An unconnected UDP socket hears of "port unreachable" only
//! with `IP_RECVERR`; the kernel then queues each error with the destination of the datagram that caused
//! it, read with `recvmsg(MSG_ERRQUEUE)`. Elsewhere than Linux this is a no-op and timers B/F decide.

use std::io;
use std::net::SocketAddr;

use tokio::net::UdpSocket;

use super::endpoint::Unreachable;

/// One ICMP error: where the failed datagram was going and what the network said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcmpError {
    /// The destination of the datagram the error is about.
    pub dest: SocketAddr,
    /// Port or host unreachable.
    pub kind: Unreachable,
}

/// Asks the kernel to queue ICMP errors on `socket`.
#[cfg(target_os = "linux")]
pub fn enable(socket: &UdpSocket) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let (level, name) = if socket.local_addr()?.is_ipv4() {
        (libc::SOL_IP, libc::IP_RECVERR)
    } else {
        (libc::SOL_IPV6, libc::IPV6_RECVERR)
    };
    let on: libc::c_int = 1;
    // SAFETY: a valid fd owned by `socket`, and a pointer/length pair to a live c_int.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Not available: ICMP errors are not reported.
#[cfg(not(target_os = "linux"))]
pub fn enable(_socket: &UdpSocket) -> io::Result<()> {
    Ok(())
}

/// Waits for the next ICMP error on `socket` (one `enable`d before); errors other than unreachable are
/// read and skipped.
pub async fn next_error(socket: &UdpSocket) -> io::Result<IcmpError> {
    loop {
        let read = socket
            .async_io(tokio::io::Interest::ERROR, || read_error_queue(socket))
            .await?;
        if let Some(err) = read {
            return Ok(err);
        }
    }
}

#[cfg(target_os = "linux")]
fn read_error_queue(socket: &UdpSocket) -> io::Result<Option<IcmpError>> {
    use std::os::fd::AsRawFd;
    // SAFETY: all-zero is a valid value of these plain C structs.
    let mut name: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut data = [0u8; 64];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    let mut control = [0u64; 64];
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&mut name as *mut libc::sockaddr_storage).cast();
    msg.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: every pointer in `msg` points at a live buffer of the stated length.
    let n = unsafe {
        libc::recvmsg(
            socket.as_raw_fd(),
            &mut msg,
            libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT,
        )
    };
    if n < 0 {
        // EAGAIN comes back as WouldBlock, which makes `async_io` wait for the next error.
        return Err(io::Error::last_os_error());
    }
    let Some(dest) = socket_addr(&name) else {
        return Ok(None);
    };
    // SAFETY: `msg` was filled by recvmsg; the CMSG_* walk stays inside `msg_controllen`.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while !cmsg.is_null() {
        // SAFETY: non-null headers from CMSG_FIRSTHDR/NXTHDR point into `control`.
        let header = unsafe { &*cmsg };
        let is_recverr = (header.cmsg_level == libc::SOL_IP
            && header.cmsg_type == libc::IP_RECVERR)
            || (header.cmsg_level == libc::SOL_IPV6 && header.cmsg_type == libc::IPV6_RECVERR);
        if is_recverr {
            // SAFETY: for IP_RECVERR the data starts with a sock_extended_err (ip(7)); read unaligned.
            let ee: libc::sock_extended_err =
                unsafe { std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast()) };
            let from_icmp =
                ee.ee_origin == libc::SO_EE_ORIGIN_ICMP || ee.ee_origin == libc::SO_EE_ORIGIN_ICMP6;
            let kind = match ee.ee_errno as i32 {
                libc::ECONNREFUSED => Some(Unreachable::Port),
                libc::EHOSTUNREACH | libc::ENETUNREACH => Some(Unreachable::Host),
                _ => None,
            };
            if let (true, Some(kind)) = (from_icmp, kind) {
                return Ok(Some(IcmpError { dest, kind }));
            }
        }
        // SAFETY: as for CMSG_FIRSTHDR.
        cmsg = unsafe { libc::CMSG_NXTHDR(&msg, cmsg) };
    }
    Ok(None)
}

#[cfg(not(target_os = "linux"))]
fn read_error_queue(_socket: &UdpSocket) -> io::Result<Option<IcmpError>> {
    Err(io::ErrorKind::WouldBlock.into())
}

#[cfg(target_os = "linux")]
fn socket_addr(name: &libc::sockaddr_storage) -> Option<SocketAddr> {
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    match name.ss_family as libc::c_int {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in.
            let v4: libc::sockaddr_in =
                unsafe { std::ptr::read((name as *const libc::sockaddr_storage).cast()) };
            Some(SocketAddr::V4(SocketAddrV4::new(
                Ipv4Addr::from(u32::from_be(v4.sin_addr.s_addr)),
                u16::from_be(v4.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a sockaddr_in6.
            let v6: libc::sockaddr_in6 =
                unsafe { std::ptr::read((name as *const libc::sockaddr_storage).cast()) };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(v6.sin6_addr.s6_addr),
                u16::from_be(v6.sin6_port),
                v6.sin6_flowinfo,
                v6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_datagram_to_a_closed_loopback_port_reports_port_unreachable_for_that_port() {
        let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let dest = closed.local_addr().unwrap();
        drop(closed);
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        enable(&socket).unwrap();
        socket.send_to(b"OPTIONS", dest).await.unwrap();
        let err = tokio::time::timeout(std::time::Duration::from_secs(10), next_error(&socket))
            .await
            .expect("the kernel reports the ICMP error on loopback")
            .unwrap();
        assert_eq!(
            err,
            IcmpError {
                dest,
                kind: Unreachable::Port
            }
        );
    }
}
