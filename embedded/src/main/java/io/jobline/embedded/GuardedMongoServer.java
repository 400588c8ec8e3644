package io.jobline.embedded;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoThreadFactory;
import de.bwaldvogel.mongo.wire.MongoDatabaseHandler;
import de.bwaldvogel.mongo.wire.MongoExceptionHandler;
import de.bwaldvogel.mongo.wire.MongoWireMessageEncoder;
import de.bwaldvogel.mongo.wire.MongoWireProtocolHandler;
import de.bwaldvogel.mongo.wire.MongoWireReplyEncoder;
import de.bwaldvogel.mongo.wire.message.ClientRequest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The library's server with each message checked before it is decoded ({@link WireCheck}): a
 * message whose lengths do not hold closes its connection, and nothing of it reaches the library.
 * The library builds its connections' handlers in a method that cannot be extended, so this binds
 * the same handlers itself, the check first; everything else is the library's.
 */
final class GuardedMongoServer extends MongoServer {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedMongoServer.class);

  private final MongoBackend backend;
  private final AtomicLong refused = new AtomicLong();
  private EventLoopGroup bossGroup;
  private EventLoopGroup workerGroup;
  private ChannelGroup clients;
  private Channel channel;

  GuardedMongoServer(MongoBackend backend) {
    super(backend);
    this.backend = backend;
  }

  /** Messages refused as malformed since the start. */
  long refusedMessages() {
    return refused.get();
  }

  @Override
  public void bind(SocketAddress address, int bossThreads, int workerThreads) {
    bossGroup = new NioEventLoopGroup(bossThreads, new MongoThreadFactory("mongo-server-boss"));
    workerGroup =
        new NioEventLoopGroup(workerThreads, new MongoThreadFactory("mongo-server-worker"));
    clients = new DefaultChannelGroup("mongodb-channels", workerGroup.next());
    try {
      channel =
          new ServerBootstrap()
              .group(bossGroup, workerGroup)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 100)
              .localAddress(address)
              .childOption(ChannelOption.TCP_NODELAY, Boolean.TRUE)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    public void initChannel(SocketChannel ch) {
                      ch.pipeline().addLast(new MongoWireReplyEncoder());
                      ch.pipeline().addLast(new MongoWireMessageEncoder());
                      ch.pipeline().addLast(new CheckedProtocolHandler());
                      ch.pipeline().addLast(new MongoDatabaseHandler(backend, clients));
                      ch.pipeline().addLast(new MongoExceptionHandler());
                    }
                  })
              .bind()
              .syncUninterruptibly()
              .channel();
    } catch (RuntimeException e) {
      shutdownNow();
      throw e;
    }
  }

  /** The library's decoder, given only messages whose lengths hold. */
  private final class CheckedProtocolHandler extends MongoWireProtocolHandler {
    @Override
    protected ClientRequest decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
      if (in.readableBytes() < 4) {
        return null;
      }
      int length = in.getIntLE(in.readerIndex());
      if (length > MAX_MESSAGE_SIZE_BYTES) {
        return super.decode(ctx, in); // (refused there, naming the size)
      }
      if (length >= 4 && in.readableBytes() < length) {
        return null; // the rest is still coming
      }
      String problem = WireCheck.problem(in, in.readerIndex(), length);
      if (problem == null) {
        return super.decode(ctx, in);
      }
      refused.incrementAndGet();
      LOG.warn(
          "Closed the store's connection from {}: it sent a malformed message ({})",
          ctx.channel().remoteAddress(),
          problem);
      in.skipBytes(in.readableBytes());
      ctx.close();
      return null;
    }
  }

  @Override
  public InetSocketAddress getLocalAddress() {
    return channel == null ? null : (InetSocketAddress) channel.localAddress();
  }

  @Override
  public void stopListening() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
      channel = null;
    }
  }

  @Override
  public void shutdown() {
    stopListening();
    for (EventLoopGroup group : new EventLoopGroup[] {bossGroup, workerGroup}) {
      if (group != null) {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
      }
    }
    for (EventLoopGroup group : new EventLoopGroup[] {bossGroup, workerGroup}) {
      if (group != null) {
        group.terminationFuture().syncUninterruptibly();
      }
    }
    backend.close();
  }

  @Override
  public void shutdownNow() {
    stopListening();
    if (clients != null) {
      clients.close().syncUninterruptibly();
    }
    shutdown();
  }
}
