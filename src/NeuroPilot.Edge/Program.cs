return await NeuroPilot.Edge.Cli.EdgeCommandLine.RunAsync(args);
