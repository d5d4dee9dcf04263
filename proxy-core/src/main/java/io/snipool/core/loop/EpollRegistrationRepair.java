package io.snipool.core.loop;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.logging.Logger;

/**
 * Lets a socket on the epoll transport be watched again after Netty dropped it from epoll, working around a bug of
 * Netty 4.2.18's epoll transport. When a channel's epoll interest set becomes empty, Netty removes its socket from
 * epoll ({@code EPOLL_CTL_DEL}, netty/netty#16689) but leaves its registration marked as added, so the next interest
 * is an {@code EPOLL_CTL_MOD} of a socket epoll no longer has: it fails with ENOENT, and Netty shuts the channel's
 * output (a write waiting for room) or closes the channel (a read asked for). Two ways lead there:
 * <ul>
 *   <li>A socket whose peer's FIN came (nothing left to read, so no {@code EPOLLIN} or {@code EPOLLRDHUP}) and for
 *       which nothing waits to be written. The next write that finds the socket buffer full needs {@code EPOLLOUT},
 *       and fails: a client that half-closes and then downloads more than the socket buffers hold, through a tunnel
 *       or as an HTTP response, or a backend that half-closes while the client still uploads.</li>
 *   <li>A new connection handed a closed one's event. Netty's epoll events name a socket by its descriptor number
 *       alone; when handling one event closes a connection (a tunnel closes both of its sides) and a connection
 *       accepted in the same batch of events reuses its number, the closed one's later event in the batch, often its
 *       peer's FIN, goes to the new one. That takes {@code EPOLLRDHUP} out of its interest set, and a new
 *       passthrough connection, which reads nothing while its backend is dialled, is left with none: it was closed
 *       the moment its tunnel started reading. About one connection in 60,000 under TlsTunnelTest's churn
 *       (4 clients, a new connection each time, both sides reset in turn). The same event on a backend channel
 *       still connecting closes it, which {@code TargetConnector} answers by connecting once more.</li>
 * </ul>
 * A stale event leaves more behind that this does not undo, all seen as harmless so far: a channel that took a stale
 * {@code EPOLLRDHUP} keeps Netty's "peer hung up" mark (its read bursts go on until the socket is empty, whatever
 * auto-read says) and has no {@code EPOLLRDHUP} interest any more (each pause of its reads removes it from epoll and
 * this repair adds it back); a stale {@code EPOLLOUT} on a channel still connecting could make Netty take the
 * connect as finished early.
 *
 * <p>The repair: {@link #install} puts a handler at the head of every epoll channel snipool accepts or connects.
 * Before each flush and each read request (the two ways a pipeline asks for an interest), a registration that Netty
 * left marked added with an empty interest set is marked pending again, which is what it is: Netty then adds the
 * socket back ({@code EPOLL_CTL_ADD}) when it next needs an interest. Netty's registration state is private; it is
 * reached by reflection, looked up once. If the lookup fails (another Netty), there is no repair and the log says so
 * once. Channels of the other transports get nothing. Remove this class once snipool runs on a Netty whose epoll
 * transport re-adds a removed socket.
 */
public final class EpollRegistrationRepair {

    private static final Logger LOG = Logger.getLogger(EpollRegistrationRepair.class.getName());
    private static final String EPOLL_PACKAGE = "io.netty.channel.epoll";
    /** Name of the repairing handler in a pipeline. */
    public static final String HANDLER_NAME = "snipool-epoll-registration-repair";

    private EpollRegistrationRepair() {
    }

    /** Installs the repair (once) at the head of {@code channel}'s pipeline if it runs on epoll; else does nothing. */
    public static void install(Channel channel) {
        if (ChannelTransport.of(channel) != ChannelTransport.EPOLL || !Registrations.AVAILABLE
                || channel.pipeline().get(HANDLER_NAME) != null) {
            return;
        }
        channel.pipeline().addFirst(HANDLER_NAME, RepairHandler.INSTANCE);
    }

    /** Repairs before the flushes and read requests that may ask epoll for an interest. */
    @ChannelHandler.Sharable
    private static final class RepairHandler extends ChannelOutboundHandlerAdapter {
        static final RepairHandler INSTANCE = new RepairHandler();

        @Override
        public void flush(ChannelHandlerContext ctx) {
            Registrations.repair(ctx.channel());
            ctx.flush();
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            Registrations.repair(ctx.channel());
            ctx.read();
        }
    }

    /**
     * Netty's private epoll registration state. Loaded only for an epoll channel: the epoll classes may be absent
     * from the class path.
     */
    private static final class Registrations {
        static final boolean AVAILABLE;
        /**
         * {@code AbstractEpollChannel.registration}: the channel's {@code DefaultEpollIoRegistration}, in the
         * event loop's {@code IoRegistrationWrapper} when the loop is a {@code SingleThreadIoEventLoop}.
         */
        private static final VarHandle REGISTRATION;
        /** {@code SingleThreadIoEventLoop.IoRegistrationWrapper.registration}: the registration it wraps. */
        private static final VarHandle WRAPPED;
        private static final Class<?> WRAPPER_CLASS;
        /** {@code AbstractEpollChannel.ops}: the interest set last submitted to the registration. */
        private static final VarHandle OPS;
        /** {@code DefaultEpollIoRegistration.state}: {@code Pending}, {@code Added} or {@code Cancelled}. */
        private static final VarHandle STATE;
        private static final Class<?> REGISTRATION_CLASS;
        private static final Object ADDED;
        private static final Object PENDING;

        static {
            VarHandle registration = null;
            VarHandle wrapped = null;
            Class<?> wrapperClass = null;
            VarHandle ops = null;
            VarHandle state = null;
            Class<?> registrationClass = null;
            Object added = null;
            Object pending = null;
            boolean available = false;
            try {
                Class<?> channelClass = Class.forName(EPOLL_PACKAGE + ".AbstractEpollChannel");
                MethodHandles.Lookup channelLookup = MethodHandles.privateLookupIn(channelClass,
                        MethodHandles.lookup());
                registration = channelLookup.findVarHandle(channelClass, "registration",
                        io.netty.channel.IoRegistration.class);
                ops = channelLookup.findVarHandle(channelClass, "ops", io.netty.channel.epoll.EpollIoOps.class);
                wrapperClass = Class.forName("io.netty.channel.SingleThreadIoEventLoop$IoRegistrationWrapper");
                wrapped = MethodHandles.privateLookupIn(wrapperClass, MethodHandles.lookup())
                        .findVarHandle(wrapperClass, "registration", io.netty.channel.IoRegistration.class);
                registrationClass = Class.forName(EPOLL_PACKAGE + ".EpollIoHandler$DefaultEpollIoRegistration");
                Class<?> stateClass = Class.forName(EPOLL_PACKAGE + ".EpollIoHandler$RegistrationState");
                state = MethodHandles.privateLookupIn(registrationClass, MethodHandles.lookup())
                        .findVarHandle(registrationClass, "state", stateClass);
                added = constant(stateClass, "Added");
                pending = constant(stateClass, "Pending");
                available = true;
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.warning("transport epoll: cannot repair the registrations Netty leaves behind (" + e
                        + "); a half-closed connection may be cut short when its socket buffer fills");
            }
            REGISTRATION = registration;
            WRAPPED = wrapped;
            WRAPPER_CLASS = wrapperClass;
            OPS = ops;
            STATE = state;
            REGISTRATION_CLASS = registrationClass;
            ADDED = added;
            PENDING = pending;
            AVAILABLE = available;
        }

        private static Object constant(Class<?> enumClass, String name) throws NoSuchFieldException {
            for (Object constant : enumClass.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(name)) {
                    return constant;
                }
            }
            throw new NoSuchFieldException(enumClass.getName() + "." + name);
        }

        /**
         * Marks {@code channel}'s registration pending again if Netty removed its socket from epoll: an empty
         * interest set under a registration marked added is only ever the result of that removal.
         */
        static void repair(Channel channel) {
            Object registration = REGISTRATION.get(channel);
            if (registration != null && registration.getClass() == WRAPPER_CLASS) {
                registration = WRAPPED.get(registration);
            }
            if (registration == null || registration.getClass() != REGISTRATION_CLASS
                    || ((io.netty.channel.epoll.EpollIoOps) OPS.get(channel)).value() != 0) {
                return;
            }
            // Netty reads and writes the state under the registration's lock (its cancel may come from any thread).
            synchronized (registration) {
                if (STATE.get(registration) == ADDED) {
                    STATE.set(registration, PENDING);
                }
            }
        }
    }
}
